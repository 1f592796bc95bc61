import DataCapture
import HTTPTypes
import Logging
import ModelClient
import NIOCore

/// The request path of every invocation, as one pipeline of stages (``InvocationStage``):
///
/// authenticate → read and validate → verify the signature → enrich with features → route to a production variant
/// → request template → call a backend (retries, circuit breaking) → capture, response template, shadow copies.
/// Every entry point hands it an ``InvocationRequest`` and gets an ``InvocationOutcome``; every failure becomes a
/// ``GatewayError``.
///
/// The stages run on the caller's event loop for as long as each can finish at once (``step(_:of:)``), and the
/// invocation moves into a task only from the first stage that must wait (``stepWaiting(_:of:)``): a Redis miss, a
/// rate-limit store that is not in memory, a backend with no idle connection on that event loop (ADR 0012).
package struct InvocationPipeline: Sendable {
    /// Shadow copies allowed in flight per shadow variant; further copies are skipped and counted.
    package static let maxShadowInFlight = 256

    package let runtime: GatewayRuntime
    package let client: BackendClient
    /// Where captured invocations go (see ``capture(_:answer:shadowOf:)``); nil when nothing is captured.
    package var captureWriter: CaptureWriter?
    /// Model placement and loads of multi-model variants.
    package let models = MultiModelRegistry()
    /// The logger every request's logger starts from.
    package var logger: Logger
    /// Tracing (`[tracing]`); nil traces nothing.
    package var tracing: InvocationTracing?

    package init(
        runtime: GatewayRuntime, client: BackendClient, captureWriter: CaptureWriter? = nil,
        logger: Logger = Logger(label: "mlgateway")
    ) {
        self.runtime = runtime
        self.client = client
        self.captureWriter = captureWriter
        self.logger = logger
    }

    /// The logger of `request`, with its id as `hb.request.id`.
    package func logger(for request: InvocationRequest) -> Logger {
        var logger = self.logger
        logger[metadataKey: "hb.request.id"] = .string(request.requestID)
        return logger
    }

    /// Serves one invocation in the calling task.
    package func invoke(_ request: InvocationRequest, options: InvocationOptions = .init()) async -> InvocationOutcome {
        let run: InvocationRun
        do throws(GatewayError) {
            run = try self.run(of: request, options: options)
        } catch {
            return .failure(InvocationFailure(error: error))
        }
        let outcome = await finish(run, from: options.firstStage)
        run.finished(outcome)
        return outcome
    }

    /// Serves one invocation on `eventLoop` without a task for as long as no stage has to wait; `completion` runs on
    /// `eventLoop` once, with the outcome.
    package func invoke(
        _ request: InvocationRequest, on eventLoop: any EventLoop,
        completion: @escaping (InvocationOutcome) -> Void
    ) {
        let run: InvocationRun
        do throws(GatewayError) {
            run = try self.run(of: request, options: .init())
        } catch {
            return completion(.failure(InvocationFailure(error: error)))
        }
        guard run.trace != nil || run.stages != nil else {
            return drive(run, from: .authenticate, on: eventLoop, completion: completion)
        }
        drive(run, from: .authenticate, on: eventLoop) { outcome in
            run.finished(outcome)
            completion(outcome)
        }
    }

    /// Runs the stages of `run` from `stage` on `eventLoop` for as long as each can finish at once, and goes on in
    /// a task (``continueInTask(_:from:on:completion:)``) from the first one that must wait.
    func drive(
        _ run: InvocationRun, from stage: InvocationStage, on eventLoop: any EventLoop,
        completion: @escaping (InvocationOutcome) -> Void
    ) {
        var stage = stage
        do {
            while true {
                if case .answered(let result) = stage { return completion(.success(result)) }
                if case .call(let invocation, let variant, let templates) = stage {
                    // The call stage's span, which `step` would open had the call to wait.
                    run.enter(stage)
                    if callOnEventLoop(
                        variant, with: invocation, templates: templates, run: run, on: eventLoop,
                        completion: completion)
                    {
                        return
                    }
                }
                guard let next = try step(stage, of: run) else { break }
                stage = next
            }
        } catch {
            return completion(.failure(recordFailure(error, of: run)))
        }
        continueInTask(run, from: stage, on: eventLoop, completion: completion)
    }

    /// Goes on with `run` from `stage` in a task; `completion` runs on `eventLoop`.
    package func continueInTask(
        _ run: InvocationRun, from stage: InvocationStage, on eventLoop: any EventLoop,
        completion: @escaping (InvocationOutcome) -> Void
    ) {
        let promise = eventLoop.makePromise(of: InvocationOutcome.self)
        promise.completeWithTask { await finish(run, from: stage) }
        promise.futureResult.assumeIsolated().whenSuccess(completion)
    }

    /// Runs the stages of `run` from `stage` to the answer, waiting where a stage must.
    package func finish(_ run: InvocationRun, from stage: InvocationStage) async -> InvocationOutcome {
        do {
            return .success(
                try await advance(run, from: stage) { if case .answered(let result) = $0 { result } else { nil } })
        } catch {
            return .failure(recordFailure(error, of: run))
        }
    }

    /// Runs the stages of `run` from `stage`, waiting where a stage must, until `reached` takes the stage reached:
    /// the answer, or where an entry point takes over (the response stream calls the model itself).
    package func advance<Reached>(
        _ run: InvocationRun, from stage: InvocationStage, until reached: (InvocationStage) -> Reached?
    ) async throws -> Reached {
        var stage = stage
        while true {
            if let value = reached(stage) { return value }
            if let next = try step(stage, of: run) {
                stage = next
            } else {
                stage = try await stepWaiting(stage, of: run)
            }
        }
    }

    /// The constants of one invocation: the request, and the endpoint in force when it started.
    package func run(of request: InvocationRequest, options: InvocationOptions) throws(GatewayError) -> InvocationRun {
        let (endpoint, server) = try endpoint(named: request.endpointName)
        return InvocationRun(
            request: request, endpoint: endpoint, maxBodyBytes: options.maxBodyBytes ?? server.maxBodyBytes,
            timeout: options.timeout ?? endpoint.configuration.backend.timeout, pipeline: self,
            trace: tracing?.begin(request), stages: runtime.accessLogFormat == .json ? StageClock() : nil)
    }

    /// Carries out `stage` if it can finish at once: the next stage, or nil when this one must wait
    /// (``stepWaiting(_:of:)``).
    package func step(_ stage: InvocationStage, of run: InvocationRun) throws -> InvocationStage? {
        run.enter(stage)
        switch stage {
        case .authenticate:
            return try authenticateNow(run).map(InvocationStage.read)
        case .read(let authentication):
            let invocation = try readInvocation(run)
            return .verify(authentication, invocation)
        case .verify(let authentication, var invocation):
            guard case .done(let principal) = try authentication.completeNow(body: invocation.body) else {
                return nil
            }
            invocation.principal = principal
            if let principal { run.stages?.admitted(keyID: principal.keyID) }
            return .enrich(invocation)
        case .enrich(var invocation):
            guard try enrichNow(&invocation, run: run) else { return nil }
            return .route(invocation)
        case .route(var invocation):
            if invocation.targetVariant == nil, invocation.endpoint.production.count > 1 {
                // Kept for a failover to another variant, whose request template may differ.
                invocation.routed = .init(body: invocation.body, contentType: invocation.contentType)
            }
            return .transform(invocation, try chooseVariant(for: invocation))
        case .transform(var invocation, let variant):
            let templates = try applyRequestTemplate(&invocation, variant: variant, run: run)
            return .call(invocation, variant, templates)
        case .call:
            return nil
        case .respond(let invocation, var result, let templates):
            try answer(&result, to: invocation, rendering: templates, run: run)
            return .answered(result)
        case .answered:
            return stage
        }
    }

    /// Carries out `stage`, waiting as it must; the next stage.
    package func stepWaiting(_ stage: InvocationStage, of run: InvocationRun) async throws -> InvocationStage {
        run.enter(stage)
        switch stage {
        case .authenticate:
            return .read(try await authenticate(run))
        case .verify(let authentication, var invocation):
            invocation.principal = try await authentication.complete(body: invocation.body)
            if let principal = invocation.principal { run.stages?.admitted(keyID: principal.keyID) }
            return .enrich(invocation)
        case .enrich(var invocation):
            let lookup = run.trace?.startChild("feature lookup", kind: .client)
            lookup?.attributes["db.system.name"] = "redis"
            defer { lookup?.end() }
            try await enrich(&invocation, run: run)
            return .route(invocation)
        case .call(let invocation, let variant, let templates):
            let failure: VariantFailure
            do {
                let result = try await call(variant, with: invocation, logger: run.logger, timeout: run.timeout)
                return .respond(invocation, result, templates)
            } catch {
                failure = error
            }
            guard failure.nothingSent, let (next, other) = failOver(invocation, from: variant) else { throw failure }
            run.logger.info(
                "Failing over to another variant",
                metadata: ["variant.failed": "\(variant.name)", "variant": "\(other.name)"])
            return .transform(next, other)
        case .read, .route, .transform, .respond, .answered:
            return try step(stage, of: run) ?? stage
        }
    }

    /// Counts a failure against the variant it is attributed to (a ``VariantFailure``) or else against the
    /// endpoint, and returns it as the client's error.
    package func recordFailure(_ error: any Error, of run: InvocationRun) -> InvocationFailure {
        switch error {
        case let failure as VariantFailure:
            failure.variant.metrics.recordFailure(failure.error)
            return InvocationFailure(error: failure.error, variant: failure.variant.name)
        case let error as GatewayError:
            run.endpoint.unroutedMetrics.record(status: Int(error.status.code))
            return InvocationFailure(error: error)
        default:
            run.logger.error("Unexpected failure", metadata: ["error": "\(error)"])
            let failure = GatewayError.internalFailure("The gateway failed to process the request.")
            run.endpoint.unroutedMetrics.record(status: Int(failure.status.code))
            return InvocationFailure(error: failure)
        }
    }

    /// The stages after a production variant answered: capture, the response template, shadow copies, and the
    /// variant's success in its metrics.
    package func answer(
        _ result: inout InvocationResult, to invocation: Invocation, rendering templates: TemplateRendering?,
        run: InvocationRun
    ) throws(GatewayError) {
        capture(invocation, answer: result)
        // The model's own answer, before the response template, is what shadows are compared with.
        let production = invocation.endpoint.shadows.isEmpty ? nil : result
        try applyResponseTemplate(&result, rendering: templates)
        if let production { sendShadowCopies(of: invocation, shadowing: production, logger: run.logger) }
        result.variant.metrics.recordSuccess(start: run.request.receivedAt, modelLatency: result.modelLatency)
    }

    /// The endpoint called `name` in the configuration in force, and the server settings of that configuration.
    package func endpoint(named name: String) throws(GatewayError) -> (EndpointRuntime, ServerConfiguration) {
        let snapshot = runtime.current
        guard let endpoint = snapshot.endpoints[name] else {
            throw GatewayError.unknownEndpoint(name, account: snapshot.configuration.server.accountID)
        }
        return (endpoint, snapshot.configuration.server)
    }

    /// Checks the SageMaker headers and the body's size, and makes the invocation.
    package func readInvocation(_ run: InvocationRun) throws(GatewayError) -> Invocation {
        let limit = run.maxBodyBytes
        let headers = run.request.head.headerFields
        try Self.checkHeaders(headers, limit: limit)
        let body: ByteBuffer
        switch run.request.body {
        case .complete(let read) where read.readableBytes <= limit:
            body = read
        case .complete, .failed(is NIOTooManyBytesError):
            throw .validation("Request body exceeds the limit of \(limit) bytes.")
        case .failed(let error):
            throw .validation("Request body could not be read: \(error)")
        }
        guard body.readableBytes > 0 else {
            throw .validation("Request body is empty; an invocation needs a payload (Body).")
        }
        var invocation = Invocation(
            endpoint: run.endpoint, requestID: run.request.requestID, body: body,
            contentType: headers.value(.contentType), accept: headers.value(.accept),
            customAttributes: headers.value(.customAttributes), targetVariant: headers.value(.targetVariant),
            targetModel: headers.value(.targetModel), inferenceID: headers.value(.inferenceID),
            inferenceHeaderContentLength: headers.value(.inferenceHeaderContentLength))
        invocation.trace = run.trace
        if let parent = headers.value(.traceparent) { invocation.traceContext = (parent, headers.value(.tracestate)) }
        return invocation
    }

    /// Refuses a request whose SageMaker headers are invalid or declare a body over `limit` bytes.
    package static func checkHeaders(_ headers: HTTPFields, limit: Int) throws(GatewayError) {
        if let length = headers.value(.contentLength).flatMap(Int.init), length > limit {
            throw .validation("Request body of \(length) bytes exceeds the limit of \(limit) bytes.")
        }
        let customAttributes = headers.value(.customAttributes)
        if let customAttributes, customAttributes.count > 1024 {
            throw .validation(
                "X-Amzn-SageMaker-Custom-Attributes is \(customAttributes.count) characters long; the limit is 1024.")
        }
        let inferenceID = headers.value(.inferenceID)
        if let inferenceID, inferenceID.isEmpty || inferenceID.count > 64 {
            throw .validation("X-Amzn-SageMaker-Inference-Id must be 1 to 64 characters long.")
        }
        for (name, parameter, feature) in Self.unsupportedHeaders where headers[name] != nil {
            throw .validation(
                "\(name) (\(parameter)) is not supported: mlgateway endpoints have no \(feature). "
                    + "Remove the parameter.")
        }
    }

    /// InvokeEndpoint parameters for SageMaker features the gateway does not have: the header, the boto3 parameter and
    /// the feature. A request naming one is refused, as SageMaker refuses it for an endpoint without the feature,
    /// rather than served as if the parameter had been applied.
    package static let unsupportedHeaders: [(HTTPField.Name, String, String)] = [
        (.targetContainerHostname, "TargetContainerHostname", "multi-container direct invocation"),
        (.enableExplanations, "EnableExplanations", "SageMaker Clarify explanations"),
        (.inferenceComponent, "InferenceComponentName", "inference components"),
        (.sessionID, "SessionId", "stateful sessions"),
    ]

    /// The production variant for the invocation: the target variant, or a weighted choice among available ones
    /// that have not failed it yet.
    package func chooseVariant(for invocation: Invocation) throws(GatewayError) -> VariantRuntime {
        try Self.chooseVariant(
            of: invocation.endpoint, target: invocation.targetVariant, excluding: invocation.failedVariants)
    }

    /// The production variant of `endpoint` for a request: `target`, or a weighted choice among the available ones
    /// not named in `failed`.
    package static func chooseVariant(
        of endpoint: EndpointRuntime, target: String?, excluding failed: [String] = []
    ) throws(GatewayError) -> VariantRuntime {
        let now = ContinuousClock.now
        let choice = endpoint.router.choose(
            target: target,
            isAvailable: {
                endpoint.production[$0].isAvailable(now: now)
                    && (failed.isEmpty || !failed.contains(endpoint.production[$0].name))
            },
            random: Double.random(in: 0..<1))
        switch choice {
        case .success(let index):
            return endpoint.production[index]
        case .failure(.unknownTarget(let name)):
            let known = endpoint.production.map(\.name).joined(separator: ", ")
            throw .validation(
                "Target variant \(name) not found for endpoint \(endpoint.name). Production variants: \(known).")
        case .failure(.targetUnavailable(let name)):
            throw .serviceUnavailable("Variant \(name) of endpoint \(endpoint.name) has no healthy backend.")
        case .failure(.noneAvailable):
            throw .serviceUnavailable("Endpoint \(endpoint.name) has no production variant with a healthy backend.")
        }
    }

    /// The invocation as routed, and another production variant for it, after no backend of `variant` could take
    /// it: when the client did not target a variant and another one is available. The request template runs again
    /// for the new variant, from the body the route stage had.
    package func failOver(_ invocation: Invocation, from variant: VariantRuntime) -> (Invocation, VariantRuntime)? {
        guard invocation.targetVariant == nil, let routed = invocation.routed else { return nil }
        var next = invocation
        next.body = routed.body
        next.contentType = routed.contentType
        next.failedVariants.append(variant.name)
        guard let other = try? chooseVariant(for: next) else { return nil }
        return (next, other)
    }

    /// Calls a backend of `variant`: least outstanding requests first; a connection failure is retried on another
    /// backend within the endpoint's retry budget; nothing sent is ever retried. `timeout` overrides the endpoint's.
    package func call(
        _ variant: VariantRuntime, with invocation: Invocation, logger: Logger, timeout: Duration? = nil
    ) async throws(VariantFailure) -> InvocationResult {
        if variant.configuration.protocolOptions.multiModel {
            return try await callMultiModel(variant, with: invocation, logger: logger, timeout: timeout)
        }
        if variant.configuration.protocolOptions.backendProtocol == .oipGRPC {
            return try await callOpenInferenceGRPC(variant, with: invocation, logger: logger, timeout: timeout)
        }
        let endpoint = invocation.endpoint
        let settings = endpoint.configuration.backend
        let request = BackendRequest(
            headers: invocation.backendHeaders, body: invocation.body, timeout: timeout ?? settings.timeout)
        let (response, latency) = try await withBackend(of: variant, endpoint: endpoint) {
            backend throws(BackendCallError) in
            var request = request
            let span = invocation.trace?.backendAttempt(to: backend, variant: variant, headers: &request.headers)
            let start = ContinuousClock.now
            do throws(BackendCallError) {
                let response = try await client.send(
                    request, to: backend, path: variant.invocationPath(endpoint: endpoint.name), settings: settings,
                    logger: logger)
                let latency = ContinuousClock.now - start
                Self.attemptEnded(
                    on: backend, with: .success(response), variant: variant, endpoint: endpoint, span: span,
                    logger: logger)
                return (response, latency)
            } catch {
                Self.attemptEnded(
                    on: backend, with: .failure(error), variant: variant, endpoint: endpoint, span: span, logger: logger
                )
                throw error
            }
        }
        return try Self.result(of: response, latency: latency, variant: variant, endpoint: endpoint)
    }

    /// Releases `backend`'s slot after an attempt, recording its outcome for the circuit breaker, ends the attempt's
    /// span when it is traced, and logs a failure.
    package static func attemptEnded(
        on backend: Backend, with outcome: Result<BackendResponse, BackendCallError>, variant: VariantRuntime,
        endpoint: EndpointRuntime, span: BackendAttemptSpan? = nil, logger: @autoclosure () -> Logger
    ) {
        span?.endAttempt(outcome)
        let settings = endpoint.configuration.backend
        switch outcome {
        case .success(let response):
            backend.release(success: CircuitBreaker.isSuccess(status: response.status), now: .now, settings: settings)
        case .failure(let error):
            let opened = backend.release(success: false, now: .now, settings: settings)
            // A circuit that opens is always worth a line; the failures of a backend that stays down are not.
            let heldBack = LogThrottle.failures.admit("backend \(backend.baseURL)")
            guard opened || heldBack != nil else { return }
            logger().warning(
                "Backend call failed",
                metadata: [
                    "endpoint": "\(endpoint.name)", "variant": "\(variant.name)", "backend": "\(backend.baseURL)",
                    "error": "\(error.detail)", "circuit_opened": "\(opened)", "log.held_back": "\(heldBack ?? 0)",
                ])
        }
    }

    /// The model's answer as a result, or a `ModelError` when its status is not 2xx.
    package static func result(
        of response: BackendResponse, latency: Duration, variant: VariantRuntime, endpoint: EndpointRuntime
    ) throws(VariantFailure) -> InvocationResult {
        guard response.isSuccess else {
            throw VariantFailure(
                variant: variant,
                error: .modelError(
                    endpoint: endpoint.name, variant: variant.name, status: response.status,
                    body: String(buffer: response.body)))
        }
        return InvocationResult(
            variant: variant, status: response.status, body: response.body,
            contentType: response.headers.first(name: HTTPField.Name.contentType.canonicalName),
            customAttributes: response.headers.first(name: HTTPField.Name.customAttributes.canonicalName),
            inferenceHeaderContentLength: response.headers.first(
                name: HTTPField.Name.inferenceHeaderContentLength.canonicalName),
            modelLatency: latency)
    }

    /// Runs `attempt` on a backend of `variant` (least outstanding requests first) and, while it fails to connect,
    /// on another one not tried yet, within the endpoint's retries and retry budget; any other failure ends it.
    /// `attempt` releases the backend's slot it was given.
    package func withBackend<Answer>(
        of variant: VariantRuntime, endpoint: EndpointRuntime,
        _ attempt: (Backend) async throws(BackendCallError) -> Answer
    ) async throws(VariantFailure) -> Answer {
        let settings = endpoint.configuration.backend
        endpoint.retryBudget.withLock { $0.deposit() }
        var tried: [Backend] = []
        var lastFailure = "no backend is available"
        for attemptNumber in 0...settings.maxRetries {
            if attemptNumber > 0 {
                guard endpoint.retryBudget.withLock({ $0.withdraw() }) else {
                    lastFailure += " (retry budget exhausted)"
                    break
                }
            }
            guard let backend = acquireBackend(of: variant, excluding: &tried) else { break }
            do {
                return try await attempt(backend)
            } catch {
                guard error.kind == .connectFailed else {
                    throw VariantFailure(
                        variant: variant, error: Self.error(for: error, endpoint: endpoint, variant: variant))
                }
                lastFailure = "\(backend.baseURL): \(error.detail)"
                // Passive health: a backend that refuses connections takes no more requests until a health check
                // (re-run every second for backends that are down) finds it back.
                if backend.markDown() {
                    logger.warning(
                        "Backend refused a connection; it is down until a health check passes",
                        metadata: ["backend": "\(backend.baseURL)", "error": "\(error.detail)"])
                }
            }
        }
        throw VariantFailure(
            variant: variant,
            error: .serviceUnavailable(
                "No backend of variant \(variant.name) of endpoint \(endpoint.name) could take the request: \(lastFailure)."
            ),
            nothingSent: true)
    }

    /// Takes a slot on the least loaded available backend not yet tried.
    package func acquireBackend(of variant: VariantRuntime, excluding tried: inout [Backend]) -> Backend? {
        var generator = SystemRandomNumberGenerator()
        var skipped = tried
        while let backend = BackendSelection.leastOutstanding(
            variant.backends, excluding: skipped, now: .now, using: &generator)
        {
            if backend.acquire(now: .now) {
                tried.append(backend)
                return backend
            }
            skipped.append(backend)
        }
        return nil
    }

    /// Sends copies to the shadow variants picked for this request; their answers and failures never reach the client.
    /// Their answers are captured as shadows of `production`'s variant and compared with its answer (the model's,
    /// before any response template); a shadow's failure counts as an answer with its status.
    package func sendShadowCopies(of invocation: Invocation, shadowing production: InvocationResult, logger: Logger) {
        let endpoint = invocation.endpoint
        guard !endpoint.shadows.isEmpty else { return }
        for index in endpoint.router.shadowCopies(random: { Double.random(in: 0..<1) }) {
            let shadow = endpoint.shadows[index]
            guard shadow.shadowInFlight.add(1, ordering: .relaxed).newValue <= Self.maxShadowInFlight else {
                shadow.shadowInFlight.subtract(1, ordering: .relaxed)
                shadow.metrics.shadowErrors.increment()
                continue
            }
            Task {
                defer { shadow.shadowInFlight.subtract(1, ordering: .relaxed) }
                shadow.metrics.shadowInvocations.increment()
                do {
                    let result = try await call(shadow, with: invocation, logger: logger)
                    capture(invocation, answer: result, shadowOf: production.variant.name)
                    shadow.metrics.record(status: result.status)
                    shadow.metrics.modelLatency.recordNanoseconds(result.modelLatency.nanosecondCount)
                    shadow.shadowStatistics?.record(
                        ShadowComparison(
                            productionStatus: production.status, production: production.body,
                            shadowStatus: result.status, shadow: result.body),
                        productionLatency: production.modelLatency, shadowLatency: result.modelLatency)
                } catch let failure as VariantFailure {
                    shadow.metrics.record(status: Int(failure.error.status.code))
                    shadow.metrics.shadowErrors.increment()
                    shadow.shadowStatistics?.record(
                        ShadowComparison(
                            productionStatus: production.status, production: production.body,
                            shadowStatus: Int(failure.error.status.code), shadow: ByteBuffer()),
                        productionLatency: production.modelLatency, shadowLatency: .zero)
                } catch {
                    shadow.metrics.shadowErrors.increment()
                }
            }
        }
    }

    /// The headers of the client's answer for a model result, with room for `extra` more.
    package static func responseHeaders(for result: InvocationResult, extra: Int = 1) -> HTTPFields {
        var headers = HTTPFields()
        headers.reserveCapacity(3 + extra)
        headers.append(HTTPField(name: .contentType, value: result.contentType ?? "application/octet-stream"))
        headers.append(HTTPField(name: .invokedProductionVariant, value: result.variant.name))
        if let customAttributes = result.customAttributes {
            headers.append(HTTPField(name: .customAttributes, value: customAttributes))
        }
        if let length = result.inferenceHeaderContentLength {
            headers.append(HTTPField(name: .inferenceHeaderContentLength, value: length))
        }
        return headers
    }

    /// The client-facing error for a call that failed after the request was sent.
    package static func error(for error: BackendCallError, endpoint: EndpointRuntime, variant: VariantRuntime)
        -> GatewayError
    {
        let message: String
        switch error.kind {
        case .timedOut:
            message = "Your invocation timed out while waiting for a response from variant \(variant.name)."
        case .responseTooLarge:
            message = "The model's response is larger than \(BackendClient.maxResponseBytes) bytes."
        case .connectFailed, .failed:
            message = "The connection to the model server failed: \(error.detail)"
        }
        return .modelError(endpoint: endpoint.name, variant: variant.name, status: 0, body: message)
    }
}

/// A failure attributed to the variant that was chosen, so that its metrics count it.
package struct VariantFailure: Error, Sendable {
    package let variant: VariantRuntime
    package let error: GatewayError
    /// Whether nothing reached a model server (every backend refused the connection or none was available), so the
    /// request may go to another variant.
    package var nothingSent = false
}
