import Hummingbird
import InvocationCore
import Logging

/// Logs one `info` line per answered request of the client API while `access_log` is on ("Request served"): method,
/// path, status, duration, and the variant that served or the error code. Like every line of a request, it carries
/// the request id as `hb.request.id`. With `access_log = "json"` the line is a JSON object on standard output
/// (``AccessLogLine``), as the pipeline writes for invocations.
///
/// The setting is read per request, so a reload turns the log on or off. The line is written once the answer is
/// ready, after ``ErrorMiddleware`` has turned failures into answers; for a streamed answer (one without a length),
/// once its stream has ended, so that the duration covers the whole stream.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    let runtime: GatewayRuntime

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let format = runtime.accessLogFormat else { return try await next(request, context) }
        let start = ContinuousClock.now
        var response = try await next(request, context)
        let writeLine: @Sendable () -> Void = {
            [
                method = request.method, path = request.uri.path, status = response.status, headers = response.headers,
                logger = context.logger, requestID = context.requestID
            ] in
            switch format {
            case .text:
                Self.log(method: method, path: path, status: status, headers: headers, since: start, logger: logger)
            case .json:
                var line = AccessLogLine(
                    requestID: requestID, method: method.rawValue, path: path, status: Int(status.code),
                    duration: .now - start)
                line.errorCode = headers[.amznErrorType]
                line.write()
            }
        }
        guard response.body.contentLength == nil else {
            writeLine()
            return response
        }
        let stream = response.body
        response.body = ResponseBody { writer in
            defer { writeLine() }
            try await stream.write(writer)
        }
        return response
    }

    /// Writes the line of an answered request, which arrived at `start`.
    static func log(
        method: HTTPRequest.Method, path: String, status: HTTPResponse.Status, headers: HTTPFields,
        since start: ContinuousClock.Instant, logger: Logger
    ) {
        let milliseconds = ((ContinuousClock.now - start) / .microseconds(1)).rounded() / 1000
        var metadata: Logger.Metadata = [
            "http.method": "\(method)", "http.path": "\(path)", "http.status": "\(status.code)",
            "duration_ms": "\(milliseconds)",
        ]
        if let variant = headers[.invokedProductionVariant] { metadata["variant"] = "\(variant)" }
        if let code = headers[.amznErrorType] { metadata["error.code"] = "\(code)" }
        logger.info("Request served", metadata: metadata)
    }
}
