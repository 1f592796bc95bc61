import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Answers the invocations that ``InvocationChannelHandler`` reads, as the client router answers them: the same
/// request id in the logger, the same ``AccessLogMiddleware`` and ``ErrorMiddleware`` around
/// ``InvocationPipeline/invoke(_:endpointName:context:)``, and the `Date` header Hummingbird's responder adds.
struct InvocationResponder: Sendable {
    /// An answer ready to be written.
    struct Answer {
        var head: HTTPResponse
        var body: ByteBuffer
    }

    let pipeline: InvocationPipeline
    /// The application's logger, which every request's logger starts from.
    let logger: Logger
    private let accessLog: AccessLogMiddleware
    private let dates = HTTPDateCache()

    init(pipeline: InvocationPipeline, logger: Logger) {
        self.pipeline = pipeline
        self.logger = logger
        self.accessLog = AccessLogMiddleware(runtime: pipeline.runtime)
    }

    /// The route of `head` if the fast path serves it, with the body limit in force.
    func route(_ head: HTTPRequest) -> InvocationRoute? {
        InvocationRoute(head, maxBodyBytes: pipeline.runtime.maxBodyBytes)
    }

    /// The logger of the request with id `requestID`.
    func logger(requestID: String) -> Logger {
        var logger = self.logger
        logger[metadataKey: "hb.request.id"] = .string(requestID)
        return logger
    }

    /// Starts serving an invocation on the pipeline's direct path, without a task
    /// (``InvocationPipeline/invokeDirect(_:body:endpointName:requestID:on:logger:completion:)``); false when it
    /// needs ``respond(to:route:body:channel:requestID:failure:)``. `completion` runs on `eventLoop` with the answer,
    /// or with what stopped the direct path after it started: a failure to answer, or nothing sent.
    func respondDirectly(
        to head: HTTPRequest, route: InvocationRoute, body: ByteBuffer, requestID: String, on eventLoop: any EventLoop,
        completion: @escaping (Result<Answer, InvocationPipeline.DirectStop>) -> Void
    ) -> Bool {
        let start = ContinuousClock.now
        return pipeline.invokeDirect(
            head, body: body, endpointName: route.endpointName, requestID: requestID, on: eventLoop,
            logger: { logger(requestID: requestID) }
        ) { outcome in
            completion(
                outcome.map { result in
                    var fields = InvocationPipeline.responseHeaders(for: result, extra: 3)
                    fields.append(HTTPField(name: .contentLength, value: String(result.body.readableBytes)))
                    fields.append(HTTPField(name: .amznRequestID, value: requestID))
                    fields.append(HTTPField(name: .date, value: dates.now))
                    if pipeline.runtime.logsAccess {
                        AccessLogMiddleware.log(
                            method: head.method, path: URI(head.path ?? "").path, status: .ok, headers: fields,
                            since: start, logger: logger(requestID: requestID))
                    }
                    return Answer(head: HTTPResponse(status: .ok, headerFields: fields), body: result.body)
                })
        }
    }

    /// Serves one invocation read from `channel`, under `requestID` (a new one if nil); with `failure`, answers that
    /// error of a direct invocation instead. Nil when the answer's body failed, as Hummingbird ends the connection
    /// when writing a body fails.
    func respond(
        to head: HTTPRequest, route: InvocationRoute, body: InvocationRequestBody, channel: any Channel,
        requestID: String? = nil, failure: GatewayError? = nil
    ) async -> Answer? {
        let logger = logger(requestID: requestID ?? RequestID().description)
        let context = GatewayRequestContext(source: .init(channel: channel, logger: logger))
        let request: Request
        switch body {
        case .complete(let buffer):
            request = Request(head: head, body: .init(buffer: buffer))
        case .failed(let error):
            let failing = AsyncThrowingStream<ByteBuffer, any Error> { $0.finish(throwing: error) }
            request = Request(head: head, body: .init(asyncSequence: failing))
        }
        var response: Response
        do {
            response = try await accessLog.handle(request, context: context) { request, context in
                try await ErrorMiddleware().handle(request, context: context) { request, context in
                    if let failure { throw failure }
                    return try await pipeline.invoke(request, endpointName: route.endpointName, context: context)
                }
            }
        } catch {
            logger.debug("Unrecognised Error", metadata: ["error.type": "\(error)"])
            response = Response(status: .internalServerError)
        }
        response.headers[.date] = dates.now
        let collector = ResponseBodyCollector()
        do {
            try await response.body.write(collector)
        } catch {
            logger.error("Answer body could not be written", metadata: ["error": "\(error)"])
            return nil
        }
        return Answer(head: response.head, body: collector.body)
    }
}

/// Gathers an answer's body, to be written to the channel in one go.
private final class ResponseBodyCollector: ResponseBodyWriter {
    var body = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        if body.readableBytes == 0 {
            body = buffer
        } else {
            var buffer = buffer
            body.writeBuffer(&buffer)
        }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
