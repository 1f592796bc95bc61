import HTTPTypes
import Logging
import NIOCore

extension InvocationPipeline {
    /// What ended a direct invocation without a model answer.
    enum DirectStop: Error {
        /// The call failed after the request was sent; the failure is already counted in the variant's metrics.
        case failed(GatewayError)
        /// Nothing was sent: the kept-alive connection closed first. The task-based pipeline can serve it.
        case notSent
    }

    /// Serves an invocation without a task when no stage before the backend call has to wait ("direct"): the
    /// endpoint has no authentication and no feature enrichment, no mapping template applies, the chosen production
    /// variant is a plain one, and its least loaded backend has an idle kept-alive connection on `eventLoop`.
    ///
    /// The stages are the pipeline's own (``checkHeaders(_:limit:)``, ``chooseVariant(for:)``,
    /// ``capture(_:answer:shadowOf:)``, ``answered(_:to:start:logger:)`` …), in its order. `completion` runs on
    /// `eventLoop`, once, when this returns true. It returns false, having sent, counted and logged nothing, when the
    /// invocation needs the task-based pipeline, including every request that the stages before the call refuse:
    /// that pipeline words and counts their errors.
    func invokeDirect(
        _ head: HTTPRequest, body: ByteBuffer, endpointName: String, requestID: String, on eventLoop: any EventLoop,
        logger: @escaping () -> Logger, completion: @escaping (Result<InvocationResult, DirectStop>) -> Void
    ) -> Bool {
        let start = ContinuousClock.now
        guard let (endpoint, server) = try? self.endpoint(named: endpointName),
            endpoint.configuration.auth == .none, endpoint.enricher == nil,
            (try? Self.checkHeaders(head.headerFields, limit: server.maxBodyBytes)) != nil,
            body.readableBytes <= server.maxBodyBytes,
            let invocation = try? Self.invocation(
                headers: head.headerFields, body: body, endpoint: endpoint, requestID: requestID),
            let variant = try? chooseVariant(for: invocation), !variant.configuration.protocolOptions.multiModel,
            runtime.templates.scope(
                endpoint: endpoint.configuration, variant: variant.configuration, cache: variant.templateScope) == nil
        else { return false }
        var generator = SystemRandomNumberGenerator()
        let settings = endpoint.configuration.backend
        guard
            let backend = BackendSelection.leastOutstanding(
                variant.backends, excluding: [], now: .now, using: &generator),
            let connections = backend.connections,
            let lease = connections.leaseIdle(idleTimeout: settings.idleTimeout, on: eventLoop)
        else { return false }
        guard backend.acquire(now: .now) else {
            connections.putBack(lease)
            return false
        }
        let request = BackendRequest(
            headers: invocation.backendHeaders, body: invocation.body, timeout: settings.timeout)
        let sent = ContinuousClock.now
        connections.send(request, path: variant.invocationPath(endpoint: endpoint.name), on: lease) { outcome in
            let latency = ContinuousClock.now - sent
            Self.attemptEnded(on: backend, with: outcome, variant: variant, endpoint: endpoint, logger: logger())
            if case .failure(let error) = outcome, error.kind == .connectFailed {
                return completion(.failure(.notSent))
            }
            // Only a request that was sent counts towards the retry budget here: the task-based pipeline counts one
            // that was not.
            endpoint.retryBudget.withLock { $0.deposit() }
            do throws(VariantFailure) {
                let response: BackendResponse
                switch outcome {
                case .success(let answer): response = answer
                case .failure(let error):
                    throw VariantFailure(
                        variant: variant, error: Self.error(for: error, endpoint: endpoint, variant: variant))
                }
                let result = try Self.result(of: response, latency: latency, variant: variant, endpoint: endpoint)
                capture(invocation, answer: result)
                answered(result, to: invocation, start: start, logger: logger())
                completion(.success(result))
            } catch {
                error.variant.metrics.recordFailure(error.error)
                completion(.failure(.failed(error.error)))
            }
        }
        return true
    }
}
