import HTTPTypes
import InvocationCore
import Logging
import NIOCore

/// An invocation's answer, ready to be written.
struct InvocationAnswer: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer
}

/// Turns an ``InvocationOutcome`` into the client's answer, the same way for every entry point: the status, the
/// model's or the error's headers, `Content-Length`, `x-amzn-RequestId`, `Date`, the error body in the entry
/// point's protocol, the error's log line and the access-log line.
struct InvocationRenderer: Sendable {
    /// How an entry point words an error's body.
    enum ErrorBody: Sendable {
        /// AWS's `{"message": …}` with the error's extra fields (SageMaker runtime).
        case aws
        /// The Open Inference Protocol's `{"error": …}`.
        case openInference
    }

    let runtime: GatewayRuntime
    private let dates = HTTPDateCache()

    init(runtime: GatewayRuntime) {
        self.runtime = runtime
    }

    /// The answer to `request` for `outcome`; `logger` is the request's, used only when something is logged.
    func render(
        _ outcome: InvocationOutcome, for request: InvocationRequest, errorBody: ErrorBody = .aws,
        logger: @autoclosure () -> Logger
    ) -> InvocationAnswer {
        var fields: HTTPFields
        let status: HTTPResponse.Status
        let body: ByteBuffer
        switch outcome {
        case .success(let result):
            status = .ok
            fields = InvocationPipeline.responseHeaders(for: result, extra: 3)
            body = result.body
        case .failure(let failure):
            let error = failure.error
            Self.log(error, endpoint: request.endpointName, logger: logger())
            status = error.status
            fields = error.responseHeaders
            switch errorBody {
            case .aws: body = ByteBuffer(string: error.body)
            case .openInference: body = ByteBuffer(string: error.openInferenceBody)
            }
        }
        fields.append(HTTPField(name: .contentLength, value: String(body.readableBytes)))
        fields.append(HTTPField(name: .amznRequestID, value: request.requestID))
        fields.append(HTTPField(name: .date, value: dates.now))
        logAccess(of: request, status: status, headers: fields, logger: logger())
        return InvocationAnswer(head: HTTPResponse(status: status, headerFields: fields), body: body)
    }

    /// Writes the access-log line of an answer to `request` while `access_log` is on in text form.
    func logAccess(
        of request: InvocationRequest, status: HTTPResponse.Status, headers: HTTPFields,
        logger: @autoclosure () -> Logger
    ) {
        // The JSON access log's line of an invocation is written by the pipeline, which knows its stages.
        guard runtime.accessLogFormat == .text else { return }
        AccessLogMiddleware.log(
            method: request.head.method, path: request.path, status: status, headers: headers,
            since: request.receivedAt, logger: logger())
    }

    /// Logs an error answer: a warning for the gateway's or the model's failures (5xx), debug for the client's.
    /// Warnings of one endpoint and error code are written at most once per interval (``LogThrottle``), with the
    /// count of those held back since.
    static func log(_ error: GatewayError, endpoint: String?, logger: Logger) {
        var metadata: Logger.Metadata = ["error.code": "\(error.code)", "error.message": "\(error.message)"]
        guard error.status.code >= 500 else {
            logger.debug("Request rejected", metadata: metadata)
            return
        }
        guard let heldBack = LogThrottle.failures.admit("request \(endpoint ?? "-") \(error.code)") else { return }
        metadata["log.held_back"] = "\(heldBack)"
        logger.warning("Request failed", metadata: metadata)
    }
}
