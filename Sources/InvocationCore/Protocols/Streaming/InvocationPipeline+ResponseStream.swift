import HTTPTypes
import Logging
import ModelClient
import NIOCore

extension HTTPField.Name {
    /// `X-Amzn-SageMaker-Accept`, the `Accept` of the streaming and async operations.
    package static let sageMakerAccept = HTTPField.Name("X-Amzn-SageMaker-Accept")!
    /// `X-Amzn-SageMaker-Content-Type`, the model's content type in a streamed answer (and the input's in async).
    package static let sageMakerContentType = HTTPField.Name("X-Amzn-SageMaker-Content-Type")!
}

extension InvocationPipeline {
    /// Serves `POST /endpoints/{name}/invocations-response-stream` (InvokeEndpointWithResponseStream) up to the
    /// model's answer.
    ///
    /// The request takes the stages of an invocation up to the choice of a variant (authenticate, read, enrich,
    /// route); then a backend of the variant is called and its answer is handed over as it arrives
    /// (the `Gateway` module streams it to the client). A failure before the model answers is an ordinary error.
    package func invokeWithResponseStream(_ request: InvocationRequest) async -> Result<
        BackendStream, InvocationFailure
    > {
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
            run.finished(status: 200, variant: variant.name, error: nil)
            return .success(stream)
        } catch {
            let failure = recordFailure(error, of: run)
            run.finished(status: Int(failure.error.status.code), variant: failure.variant, error: failure.error)
            return .failure(failure)
        }
    }

    /// Opens a streamed call to a backend of `variant`, with the same backend choice and connection-failure retries
    /// as ``call(_:with:logger:timeout:)`` (``withBackend(of:endpoint:_:)``); a non-2xx answer is read whole and
    /// becomes a `ModelError`.
    package func openStream(
        _ variant: VariantRuntime, with invocation: Invocation, logger: Logger
    ) async throws(VariantFailure) -> BackendStream {
        let endpoint = invocation.endpoint
        guard variant.configuration.protocolOptions.backendProtocol != .oipGRPC else {
            throw VariantFailure(
                variant: variant,
                error: .validation(
                    "Variant \(variant.name) of endpoint \(endpoint.name) is an oip-grpc model server, whose ModelInfer "
                        + "does not stream; call InvokeEndpoint instead."))
        }
        let settings = endpoint.configuration.backend
        let request = BackendRequest(
            headers: invocation.backendHeaders, body: invocation.body, timeout: settings.timeout)
        let stream = try await withBackend(of: variant, endpoint: endpoint) { backend throws(BackendCallError) in
            let start = ContinuousClock.now
            do throws(BackendCallError) {
                let response = try await client.open(
                    request, to: backend, path: variant.invocationPath(endpoint: endpoint.name), settings: settings,
                    logger: logger)
                return BackendStream(
                    endpoint: endpoint, variant: variant, backend: backend, response: response, start: start,
                    settings: settings)
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
}
