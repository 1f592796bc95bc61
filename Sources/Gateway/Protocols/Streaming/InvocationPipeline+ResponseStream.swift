import HTTPTypes
import AsyncHTTPClient
import Hummingbird
import Logging
import ModelClient
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

    /// Serves `POST /endpoints/{name}/invocations-response-stream` (InvokeEndpointWithResponseStream) up to the
    /// model's answer.
    ///
    /// The request takes the stages of an invocation up to the choice of a variant (authenticate, read, enrich,
    /// route); then a backend of the variant is called and its answer is handed over as it arrives
    /// (``streamingResponse(for:endpoint:logger:)``). A failure before the model answers is an ordinary error.
    func invokeWithResponseStream(_ request: InvocationRequest) async -> Result<BackendStream, InvocationFailure> {
        let run: InvocationRun
        do throws(GatewayError) {
            run = try self.run(of: request, options: .init())
        } catch {
            return .failure(InvocationFailure(error: error))
        }
        do {
            var (invocation, variant) = try await advance(run, from: .authenticate) { stage in
                if case .transform(let invocation, let variant) = stage { (invocation, variant) } else { nil }
            }
            if let accept = request.head.headerFields[.sageMakerAccept] { invocation.accept = accept }
            let stream = try await openStream(variant, with: invocation, logger: run.logger)
            variant.metrics.overheadLatency.recordNanoseconds((stream.start - request.receivedAt).nanosecondCount)
            return .success(stream)
        } catch {
            return .failure(recordFailure(error, of: run))
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
                    endpoint: endpoint, variant: variant, backend: backend, response: response, start: start, settings: settings)
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
