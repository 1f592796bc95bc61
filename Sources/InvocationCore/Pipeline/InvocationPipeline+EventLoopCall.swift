import ModelClient
import NIOCore

extension InvocationPipeline {
    /// Starts the call stage on `eventLoop` without a task, when it need not wait: the variant is a plain one and
    /// its least loaded backend (an HTTP one) has an idle kept-alive connection on `eventLoop`. The answer comes back through a
    /// callback on that event loop, and the remaining stages run there too; `completion` then runs with the outcome.
    ///
    /// Returns false, having sent and counted nothing, when the call would have to wait: the caller goes on in a
    /// task with ``call(_:with:logger:timeout:)``. A request found on a kept-alive connection that closed before it
    /// was sent goes on in that task too, which retries it on another connection.
    package func callOnEventLoop(
        _ variant: VariantRuntime, with invocation: Invocation, templates: TemplateRendering?, run: InvocationRun,
        on eventLoop: any EventLoop, completion: @escaping (InvocationOutcome) -> Void
    ) -> Bool {
        let options = variant.configuration.protocolOptions
        guard !options.multiModel, options.backendProtocol != .oipGRPC else { return false }
        let endpoint = invocation.endpoint
        let settings = endpoint.configuration.backend
        var generator = SystemRandomNumberGenerator()
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
        var request = BackendRequest(headers: invocation.backendHeaders, body: invocation.body, timeout: run.timeout)
        let span = invocation.trace?.backendAttempt(to: backend, variant: variant, headers: &request.headers)
        let sent = ContinuousClock.now
        connections.send(request, path: variant.invocationPath(endpoint: endpoint.name), on: lease) { outcome in
            let latency = ContinuousClock.now - sent
            Self.attemptEnded(
                on: backend, with: outcome, variant: variant, endpoint: endpoint, span: span, logger: run.logger)
            if case .failure(let error) = outcome, error.kind == .connectFailed {
                let stage = InvocationStage.call(invocation, variant, templates)
                return continueInTask(run, from: stage, on: eventLoop, completion: completion)
            }
            // Only a request that was sent counts towards the retry budget here: the task counts one that was not.
            endpoint.retryBudget.withLock { $0.deposit() }
            do {
                let response: BackendResponse
                switch outcome {
                case .success(let answer): response = answer
                case .failure(let error):
                    throw VariantFailure(
                        variant: variant, error: Self.error(for: error, endpoint: endpoint, variant: variant))
                }
                let result = try Self.result(of: response, latency: latency, variant: variant, endpoint: endpoint)
                drive(run, from: .respond(invocation, result, templates), on: eventLoop, completion: completion)
            } catch {
                completion(.failure(recordFailure(error, of: run)))
            }
        }
        return true
    }
}
