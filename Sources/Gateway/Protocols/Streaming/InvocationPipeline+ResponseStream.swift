import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import InvocationCore
import Logging
import ModelClient
import NIOCore

extension InvocationPipeline {
    /// The `Content-Type` of an event-stream answer.
    static let eventStreamContentType = "application/vnd.amazon.eventstream"

    /// The 200 event-stream answer to `request` that forwards `stream`'s body as `PayloadPart` events; its
    /// access-log line is written once the stream has ended, so that its duration covers the whole stream.
    static func streamingResponse(
        for stream: BackendStream, request: InvocationRequest, renderer: InvocationRenderer, logger: Logger
    ) -> Response {
        let endpoint = stream.endpoint
        var headers = HTTPFields()
        headers.reserveCapacity(5)
        headers[.contentType] = eventStreamContentType
        headers[.invokedProductionVariant] = stream.variant.name
        if let contentType = stream.response.headers.first(name: HTTPField.Name.contentType.canonicalName) {
            headers[.sageMakerContentType] = contentType
        }
        if let attributes = stream.response.headers.first(name: HTTPField.Name.customAttributes.canonicalName) {
            headers[.customAttributes] = attributes
        }
        headers[.amznRequestID] = request.requestID
        let body = ResponseBody { [headers] writer in
            defer { renderer.logAccess(of: request, status: .ok, headers: headers, logger: logger) }
            let encoder = EventStreamEncoder()
            var iterator = stream.response.body.makeAsyncIterator()
            var failure: ResponseStreamEvent?
            do {
                while true {
                    let chunk: ByteBuffer?
                    do {
                        chunk = try await iterator.next()
                    } catch {
                        failure = streamFailure(error, stream: stream, endpoint: endpoint, logger: logger)
                        break
                    }
                    guard let chunk else { break }
                    try await writer.write(try encoder.encode(ResponseStreamEvent.payloadPart(chunk).message))
                }
                if let failure { try await writer.write(try encoder.encode(failure.message)) }
                try await writer.finish(nil)
            } catch {
                stream.finish(success: true)
                logger.debug("Response stream ended by the client", metadata: ["error": "\(error)"])
                throw error
            }
            let latency = stream.finish(success: failure == nil)
            stream.variant.metrics.record(status: 200)
            if failure != nil { stream.variant.metrics.modelErrors.increment() }
            stream.variant.metrics.modelLatency.recordNanoseconds(latency.nanosecondCount)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    /// The `ModelStreamError` event for a model stream that broke or timed out.
    private static func streamFailure(
        _ error: any Error, stream: BackendStream, endpoint: EndpointRuntime, logger: Logger
    ) -> ResponseStreamEvent {
        let callError = BackendCallError(classifying: error)
        logger.warning(
            "Model stream failed",
            metadata: [
                "endpoint": "\(endpoint.name)", "variant": "\(stream.variant.name)",
                "backend": "\(stream.backend.baseURL)", "error": "\(callError.detail)",
            ])
        if callError.kind == .timedOut {
            return .modelStreamError(
                code: ResponseStreamEvent.timeExceeded,
                message: "The model did not finish its answer within \(endpoint.configuration.backend.timeout).")
        }
        return .modelStreamError(
            code: ResponseStreamEvent.streamBroken, message: "The connection to the model broke: \(callError.detail)")
    }
}
