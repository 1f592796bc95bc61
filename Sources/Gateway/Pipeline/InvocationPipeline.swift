import DataCapture
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The request path of `POST /endpoints/{name}/invocations`, as one pipeline:
///
/// read and validate → route to a production variant → call a backend (retries, circuit breaking) → copy to shadow
/// variants → answer with the SageMaker response headers. Every failure becomes a ``GatewayError``.
struct InvocationPipeline: Sendable {
    /// Shadow copies allowed in flight per shadow variant; further copies are skipped and counted.
    static let maxShadowInFlight = 256

    let runtime: GatewayRuntime
    let client: BackendClient
    /// Where captured invocations go (see ``capture(_:answer:shadowOf:)``); nil when nothing is captured.
    var captureWriter: CaptureWriter?
    /// Model placement and loads of multi-model variants.
    let models = MultiModelRegistry()

    /// Serves one invocation of `endpointName`.
    func invoke(_ request: Request, endpointName: String, context: GatewayRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let (endpoint, server) = try endpoint(named: endpointName)
        let logger = context.logger
        return try await countingFailures(of: endpoint) {
            var invocation = try await admit(request, endpoint: endpoint, server: server, context: context)
            let variant = try chooseVariant(for: invocation)
            let templates = try applyRequestTemplate(&invocation, variant: variant, request: request, context: context)
            var result = try await call(variant, with: invocation, logger: logger)
            try answer(&result, to: invocation, rendering: templates, start: start, logger: logger)
            return Self.response(for: result)
        }
    }

    /// The stages after a production variant answered: capture, the response template, then
    /// ``answered(_:to:start:logger:)``.
    func answer(
        _ result: inout InvocationResult, to invocation: Invocation, rendering templates: TemplateRendering?,
        start: ContinuousClock.Instant, logger: @autoclosure () -> Logger
    ) throws(GatewayError) {
        capture(invocation, answer: result)
        try applyResponseTemplate(&result, rendering: templates)
        answered(result, to: invocation, start: start, logger: logger())
    }

    /// The last stages of an answered invocation: shadow copies, and the variant's success in its metrics.
    func answered(
        _ result: InvocationResult, to invocation: Invocation, start: ContinuousClock.Instant,
        logger: @autoclosure () -> Logger
    ) {
        if !invocation.endpoint.shadows.isEmpty {
            sendShadowCopies(of: invocation, shadowing: result.variant, logger: logger())
        }
        result.variant.metrics.recordSuccess(start: start, modelLatency: result.modelLatency)
    }

    /// The endpoint called `name` in the configuration in force, and the server settings of that configuration.
    func endpoint(named name: String) throws(GatewayError) -> (EndpointRuntime, ServerConfiguration) {
        let snapshot = runtime.current
        guard let endpoint = snapshot.endpoints[name] else {
            throw GatewayError.unknownEndpoint(name, account: snapshot.configuration.server.accountID)
        }
        return (endpoint, snapshot.configuration.server)
    }

    /// The common start of a synchronous invocation: authenticate, read the body and headers, complete the
    /// authentication with the body (SigV4 payload hash), enrich with features.
    func admit(
        _ request: Request, endpoint: EndpointRuntime, server: ServerConfiguration, context: GatewayRequestContext
    ) async throws -> Invocation {
        let authentication = try await authenticate(request, endpoint: endpoint)
        var invocation = try await readInvocation(request, endpoint: endpoint, server: server, requestID: context.requestID)
        invocation.principal = try await authentication.complete(body: invocation.body)
        try await enrich(&invocation, request: request)
        return invocation
    }

    /// Runs `body`, counting a failure against the variant it is attributed to (a ``VariantFailure``) or else
    /// against the endpoint, and rethrowing it as its ``GatewayError``.
    func countingFailures<Result>(
        of endpoint: EndpointRuntime, _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let failure as VariantFailure {
            failure.variant.metrics.recordFailure(failure.error)
            throw failure.error
        } catch let error as GatewayError {
            endpoint.unroutedMetrics.record(status: Int(error.status.code))
            throw error
        }
    }

    /// Reads the body within the size limit and the SageMaker request headers.
    func readInvocation(
        _ request: Request, endpoint: EndpointRuntime, server: ServerConfiguration, requestID: String
    ) async throws(GatewayError) -> Invocation {
        let limit = server.maxBodyBytes
        try Self.checkHeaders(request.headers, limit: limit)
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw .validation("Request body exceeds the limit of \(limit) bytes.")
        } catch {
            throw .validation("Request body could not be read: \(error)")
        }
        return try Self.invocation(headers: request.headers, body: body, endpoint: endpoint, requestID: requestID)
    }

    /// Refuses a request whose SageMaker headers are invalid or declare a body over `limit` bytes.
    static func checkHeaders(_ headers: HTTPFields, limit: Int) throws(GatewayError) {
        if let length = headers.value(.contentLength).flatMap(Int.init), length > limit {
            throw .validation("Request body of \(length) bytes exceeds the limit of \(limit) bytes.")
        }
        let customAttributes = headers.value(.customAttributes)
        if let customAttributes, customAttributes.count > 1024 {
            throw .validation("X-Amzn-SageMaker-Custom-Attributes is \(customAttributes.count) characters long; the limit is 1024.")
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

    /// The invocation of a request whose headers passed ``checkHeaders(_:limit:)`` and whose body was read.
    static func invocation(
        headers: HTTPFields, body: ByteBuffer, endpoint: EndpointRuntime, requestID: String
    ) throws(GatewayError) -> Invocation {
        guard body.readableBytes > 0 else {
            throw .validation("Request body is empty; an invocation needs a payload (Body).")
        }
        return Invocation(
            endpoint: endpoint, requestID: requestID, body: body, contentType: headers.value(.contentType),
            accept: headers.value(.accept), customAttributes: headers.value(.customAttributes),
            targetVariant: headers.value(.targetVariant), targetModel: headers.value(.targetModel),
            inferenceID: headers.value(.inferenceID))
    }

    /// InvokeEndpoint parameters for SageMaker features the gateway does not have: the header, the boto3 parameter and
    /// the feature. A request naming one is refused, as SageMaker refuses it for an endpoint without the feature,
    /// rather than served as if the parameter had been applied.
    static let unsupportedHeaders: [(HTTPField.Name, String, String)] = [
        (.targetContainerHostname, "TargetContainerHostname", "multi-container direct invocation"),
        (.enableExplanations, "EnableExplanations", "SageMaker Clarify explanations"),
        (.inferenceComponent, "InferenceComponentName", "inference components"),
        (.sessionID, "SessionId", "stateful sessions"),
    ]

    /// The production variant for the invocation: the target variant, or a weighted choice among available ones.
    func chooseVariant(for invocation: Invocation) throws(GatewayError) -> VariantRuntime {
        let endpoint = invocation.endpoint
        let now = ContinuousClock.now
        let choice = endpoint.router.choose(
            target: invocation.targetVariant, isAvailable: { endpoint.production[$0].isAvailable(now: now) },
            random: Double.random(in: 0..<1))
        switch choice {
        case .success(let index):
            return endpoint.production[index]
        case .failure(.unknownTarget(let name)):
            let known = endpoint.production.map(\.name).joined(separator: ", ")
            throw .validation("Target variant \(name) not found for endpoint \(endpoint.name). Production variants: \(known).")
        case .failure(.targetUnavailable(let name)):
            throw .serviceUnavailable("Variant \(name) of endpoint \(endpoint.name) has no healthy backend.")
        case .failure(.noneAvailable):
            throw .serviceUnavailable("Endpoint \(endpoint.name) has no production variant with a healthy backend.")
        }
    }

    /// Calls a backend of `variant`: least outstanding requests first; a connection failure is retried on another
    /// backend within the endpoint's retry budget; nothing sent is ever retried. `timeout` overrides the endpoint's.
    func call(
        _ variant: VariantRuntime, with invocation: Invocation, logger: Logger, timeout: Duration? = nil
    ) async throws(VariantFailure) -> InvocationResult {
        if variant.configuration.protocolOptions.multiModel {
            return try await callMultiModel(variant, with: invocation, logger: logger, timeout: timeout)
        }
        let endpoint = invocation.endpoint
        let settings = endpoint.configuration.backend
        let request = BackendRequest(
            headers: invocation.backendHeaders, body: invocation.body, timeout: timeout ?? settings.timeout)
        let (response, latency) = try await withBackend(of: variant, endpoint: endpoint) {
            backend throws(BackendCallError) in
            let start = ContinuousClock.now
            do throws(BackendCallError) {
                let response = try await client.send(
                    request, to: backend, path: variant.invocationPath(endpoint: endpoint.name), settings: settings,
                    logger: logger)
                let latency = ContinuousClock.now - start
                Self.attemptEnded(
                    on: backend, with: .success(response), variant: variant, endpoint: endpoint, logger: logger)
                return (response, latency)
            } catch {
                Self.attemptEnded(
                    on: backend, with: .failure(error), variant: variant, endpoint: endpoint, logger: logger)
                throw error
            }
        }
        return try Self.result(of: response, latency: latency, variant: variant, endpoint: endpoint)
    }

    /// Releases `backend`'s slot after an attempt, recording its outcome for the circuit breaker, and logs a
    /// failure.
    static func attemptEnded(
        on backend: Backend, with outcome: Result<BackendResponse, BackendCallError>, variant: VariantRuntime,
        endpoint: EndpointRuntime, logger: @autoclosure () -> Logger
    ) {
        let settings = endpoint.configuration.backend
        switch outcome {
        case .success(let response):
            backend.release(success: CircuitBreaker.isSuccess(status: response.status), now: .now, settings: settings)
        case .failure(let error):
            let opened = backend.release(success: false, now: .now, settings: settings)
            logger().warning(
                "Backend call failed",
                metadata: [
                    "endpoint": "\(endpoint.name)", "variant": "\(variant.name)", "backend": "\(backend.baseURL)",
                    "error": "\(error.detail)", "circuit_opened": "\(opened)",
                ])
        }
    }

    /// The model's answer as a result, or a `ModelError` when its status is not 2xx.
    static func result(
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
            contentType: response.headers.first(name: "content-type"),
            customAttributes: response.headers.first(name: "x-amzn-sagemaker-custom-attributes"),
            modelLatency: latency)
    }

    /// Runs `attempt` on a backend of `variant` (least outstanding requests first) and, while it fails to connect,
    /// on another one not tried yet, within the endpoint's retries and retry budget; any other failure ends it.
    /// `attempt` releases the backend's slot it was given.
    func withBackend<Answer>(
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
                    throw VariantFailure(variant: variant, error: Self.error(for: error, endpoint: endpoint, variant: variant))
                }
                lastFailure = "\(backend.baseURL): \(error.detail)"
            }
        }
        throw VariantFailure(
            variant: variant,
            error: .serviceUnavailable(
                "No backend of variant \(variant.name) of endpoint \(endpoint.name) could take the request: \(lastFailure)."))
    }

    /// Takes a slot on the least loaded available backend not yet tried.
    func acquireBackend(of variant: VariantRuntime, excluding tried: inout [Backend]) -> Backend? {
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
    /// Their answers are captured as shadows of `production`.
    func sendShadowCopies(of invocation: Invocation, shadowing production: VariantRuntime, logger: Logger) {
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
                    capture(invocation, answer: result, shadowOf: production.name)
                    shadow.metrics.record(status: result.status)
                    shadow.metrics.modelLatency.recordNanoseconds(result.modelLatency.nanosecondCount)
                } catch let failure as VariantFailure {
                    shadow.metrics.record(status: Int(failure.error.status.code))
                    shadow.metrics.shadowErrors.increment()
                } catch {
                    shadow.metrics.shadowErrors.increment()
                }
            }
        }
    }

    /// The client's answer for a model result.
    static func response(for result: InvocationResult) -> Response {
        Response(status: .ok, headers: responseHeaders(for: result), body: .init(byteBuffer: result.body))
    }

    /// The headers of the client's answer for a model result, with room for `extra` more.
    static func responseHeaders(for result: InvocationResult, extra: Int = 1) -> HTTPFields {
        var headers = HTTPFields()
        headers.reserveCapacity(3 + extra)
        headers.append(HTTPField(name: .contentType, value: result.contentType ?? "application/octet-stream"))
        headers.append(HTTPField(name: .invokedProductionVariant, value: result.variant.name))
        if let customAttributes = result.customAttributes {
            headers.append(HTTPField(name: .customAttributes, value: customAttributes))
        }
        return headers
    }

    /// The client-facing error for a call that failed after the request was sent.
    static func error(for error: BackendCallError, endpoint: EndpointRuntime, variant: VariantRuntime) -> GatewayError {
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
struct VariantFailure: Error, Sendable {
    let variant: VariantRuntime
    let error: GatewayError
}
