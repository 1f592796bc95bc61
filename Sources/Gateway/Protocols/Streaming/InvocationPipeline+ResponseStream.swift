import HTTPTypes
import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore

extension HTTPField.Name {
    /// `X-Amzn-SageMaker-Accept`, the `Accept` of the streaming and async operations.
    static let sageMakerAccept = HTTPField.Name("X-Amzn-SageMaker-Accept")!
    /// `X-Amzn-SageMaker-Content-Type`, the model's content type in a streamed answer (and the input's in async).
    static let sageMakerContentType = HTTPField.Name("X-Amzn-SageMaker-Content-Type")!
}

extension InvocationPipeline {
    /// The `Content-Type` of an event-stream answer.
    static let eventStreamContentType = "application/vnd.amazon.eventstream"

    /// Serves `POST /endpoints/{name}/invocations-response-stream` (InvokeEndpointWithResponseStream).
    ///
    /// The request takes the same path as an invocation (read, enrich, choose a variant, call a backend of it); the
    /// model's answer is forwarded as it arrives, each received piece as one `PayloadPart` event. A failure before
    /// the model answers is an ordinary AWS error answer; once streaming has begun, a broken or timed-out model
    /// stream ends with a `ModelStreamError` event.
    func invokeWithResponseStream(
        _ request: Request, endpointName: String, context: GatewayRequestContext
    ) async throws -> Response {
        let start = ContinuousClock.now
        let (endpoint, server) = try endpoint(named: endpointName)
        let logger = context.logger
        return try await countingFailures(of: endpoint) {
            var invocation = try await admit(request, endpoint: endpoint, server: server, context: context)
            if let accept = request.headers[.sageMakerAccept] { invocation.accept = accept }
            let variant = try chooseVariant(for: invocation)
            let stream = try await openStream(variant, with: invocation, logger: logger)
            variant.metrics.overheadLatency.recordNanoseconds((stream.start - start).nanosecondCount)
            return Self.streamingResponse(for: stream, endpoint: endpoint, logger: logger)
        }
    }

    /// Opens a streamed call to a backend of `variant`, with the same backend choice and connection-failure retries
    /// as ``call(_:with:logger:timeout:)`` (``withBackend(of:endpoint:_:)``); a non-2xx answer is read whole and
    /// becomes a `ModelError`.
    func openStream(
        _ variant: VariantRuntime, with invocation: Invocation, logger: Logger
    ) async throws(VariantFailure) -> BackendStream {
        let endpoint = invocation.endpoint
        let settings = endpoint.configuration.backend
        let request = BackendRequest(headers: invocation.backendHeaders, body: invocation.body, timeout: settings.timeout)
        let stream = try await withBackend(of: variant, endpoint: endpoint) { backend throws(BackendCallError) in
            let start = ContinuousClock.now
            do throws(BackendCallError) {
                let response = try await client.open(
                    request, to: backend, path: variant.invocationPath(endpoint: endpoint.name), settings: settings,
                    logger: logger)
                return BackendStream(
                    variant: variant, backend: backend, response: response, start: start, settings: settings)
            } catch {
                backend.release(success: false, now: .now, settings: settings)
                throw error
            }
        }
        let status = Int(stream.response.status.code)
        guard (200..<300).contains(status) else {
            let body = (try? await stream.response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            stream.finish(success: CircuitBreaker.isSuccess(status: status))
            throw VariantFailure(
                variant: variant,
                error: .modelError(endpoint: endpoint.name, variant: variant.name, status: status, body: body))
        }
        return stream
    }

    /// The 200 event-stream answer that forwards `stream`'s body as `PayloadPart` events.
    static func streamingResponse(for stream: BackendStream, endpoint: EndpointRuntime, logger: Logger) -> Response {
        var headers = HTTPFields()
        headers.reserveCapacity(4)
        headers[.contentType] = eventStreamContentType
        headers[.invokedProductionVariant] = stream.variant.name
        if let contentType = stream.response.headers.first(name: "content-type") {
            headers[.sageMakerContentType] = contentType
        }
        if let attributes = stream.response.headers.first(name: "x-amzn-sagemaker-custom-attributes") {
            headers[.customAttributes] = attributes
        }
        let body = ResponseBody { writer in
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
