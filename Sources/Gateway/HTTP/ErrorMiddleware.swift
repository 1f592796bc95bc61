import Hummingbird
import InvocationCore
import Logging

/// Adds `x-amzn-RequestId` to every answer and turns every failure into an AWS-style error answer.
///
/// Errors that are not ``GatewayError`` are logged and answered as 500 `InternalFailure`, so no failure reaches the
/// client without a code and a message.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as GatewayError {
            InvocationRenderer.log(error, endpoint: context.parameters.get("name"), logger: context.logger)
            response = Self.response(for: error, path: request.uri.path)
        } catch let error as HTTPError where error.status == .notFound {
            response = Self.response(
                for: .unknownOperation("\(request.method)", request.uri.path), path: request.uri.path)
        } catch let error as HTTPError {
            response = Self.response(
                for: GatewayError(code: .validation, status: error.status, message: error.body ?? "\(error.status)"),
                path: request.uri.path)
        } catch {
            context.logger.error("Unexpected failure", metadata: ["error": "\(error)"])
            response = Self.response(
                for: .internalFailure("The gateway failed to process the request."), path: request.uri.path)
        }
        response.headers[.amznRequestID] = context.requestID
        return response
    }

    /// The answer for `error` on `path`: in the Open Inference Protocol's form (`{"error": …}`) under `/v2`, where
    /// its clients decode errors so, else AWS's.
    static func response(for error: GatewayError, path: String) -> Response {
        OpenInferenceAPI.isProtocolPath(path) ? OpenInferenceAPI.errorResponse(error) : response(for: error)
    }

    /// The AWS-style answer for `error`.
    static func response(for error: GatewayError) -> Response {
        Response(
            status: error.status, headers: error.responseHeaders,
            body: .init(byteBuffer: ByteBuffer(string: error.body)))
    }
}
