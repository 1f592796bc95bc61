import Hummingbird
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
            InvocationRenderer.log(error, logger: context.logger)
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            response = try GatewayError.unknownOperation("\(request.method)", request.uri.path)
                .response(from: request, context: context)
        } catch let error as HTTPError {
            response = try GatewayError(code: "ValidationError", status: error.status, message: error.body ?? "\(error.status)")
                .response(from: request, context: context)
        } catch {
            context.logger.error("Unexpected failure", metadata: ["error": "\(error)"])
            response = try GatewayError.internalFailure("The gateway failed to process the request.")
                .response(from: request, context: context)
        }
        response.headers[.amznRequestID] = context.requestID
        return response
    }
}
