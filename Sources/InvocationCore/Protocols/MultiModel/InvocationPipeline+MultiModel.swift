import Foundation
import HTTPTypes
import Logging
import ModelClient
import NIOCore
import NIOHTTP1
import WireFormats

extension InvocationPipeline {
    /// Calls a multi-model variant: the target model's backend is chosen by consistent hashing (the next backend on
    /// the ring when it is unavailable), the model is loaded there with `POST /models` unless it already is, and the
    /// request goes to `POST /models/{name}/invoke`.
    ///
    /// While a model loads, requests wait for it or get 429 `ModelNotReadyException`, as the variant's
    /// `model_not_ready` says. A backend answering 404 for a model it should have (restarted, evicted) gets it loaded
    /// again once.
    package func callMultiModel(
        _ variant: VariantRuntime, with invocation: Invocation, logger: Logger, timeout: Duration?
    ) async throws(VariantFailure) -> InvocationResult {
        let endpoint = invocation.endpoint
        guard let model = invocation.targetModel, !model.isEmpty else {
            throw VariantFailure(
                variant: variant,
                error: .validation(
                    "Endpoint \(endpoint.name) is a multi-model endpoint: set X-Amzn-SageMaker-Target-Model (TargetModel)."
                ))
        }
        guard model.count <= 1024, !model.contains("/"), !model.hasPrefix(".") else {
            throw VariantFailure(
                variant: variant, error: .validation("TargetModel \(model) is not a valid model name."))
        }
        let settings = endpoint.configuration.backend
        let ring = models.ring(for: variant.backends.map(\.baseURL))
        let now = ContinuousClock.now
        guard
            let backend = ring.preference(for: model).lazy.map({ variant.backends[$0] }).first(where: {
                $0.acquire(now: now)
            })
        else {
            throw VariantFailure(
                variant: variant,
                error: .serviceUnavailable(
                    "No backend of variant \(variant.name) of endpoint \(endpoint.name) can take model \(model)."))
        }
        let metrics = ModelMetrics(endpoint: endpoint.name, variant: variant.name, model: model)
        var healthy = true
        defer { backend.release(success: healthy, now: .now, settings: settings) }
        let options = variant.configuration.protocolOptions
        let request = BackendRequest(
            headers: invocation.backendHeaders, body: invocation.body, timeout: timeout ?? settings.timeout)
        let path = "/models/\(Self.pathSegment(model))/invoke"
        for attempt in 0..<2 {
            try await ensureLoaded(
                model, on: backend, variant: variant, options: options, settings: settings, metrics: metrics,
                logger: logger)
            let start = ContinuousClock.now
            let response: BackendResponse
            do {
                response = try await client.send(request, to: backend, path: path, settings: settings, logger: logger)
            } catch {
                healthy = false
                throw VariantFailure(
                    variant: variant, error: Self.error(for: error, endpoint: endpoint, variant: variant))
            }
            if response.status == 404, attempt == 0 {
                logger.info(
                    "Backend no longer has the model; loading it again",
                    metadata: ["model": "\(model)", "backend": "\(backend.baseURL)"])
                models.forget(model: model, backend: backend.baseURL)
                continue
            }
            healthy = CircuitBreaker.isSuccess(status: response.status)
            let result = try Self.result(
                of: response, latency: ContinuousClock.now - start, variant: variant, endpoint: endpoint)
            metrics.invocations.increment()
            return result
        }
        throw VariantFailure(
            variant: variant,
            error: .modelError(
                endpoint: endpoint.name, variant: variant.name, status: 404, body: "Model \(model) is not loaded."))
    }

    /// Makes sure `model` is loaded on `backend`, loading it (single flight) or waiting for the load in flight.
    private func ensureLoaded(
        _ model: String, on backend: Backend, variant: VariantRuntime, options: VariantProtocolOptions,
        settings: BackendSettings, metrics: ModelMetrics, logger: Logger
    ) async throws(VariantFailure) {
        let load: Task<Void, any Error>
        switch models.step(model: model, backend: backend.baseURL) {
        case .invoke:
            return
        case .startLoad(let generation):
            load = models.startLoad(model: model, backend: backend.baseURL, generation: generation) { [client] in
                let start = ContinuousClock.now
                try await Self.load(
                    model, on: backend, options: options, client: client, settings: settings, logger: logger)
                metrics.setupTime.recordNanoseconds((ContinuousClock.now - start).nanosecondCount)
                logger.info("Model loaded", metadata: ["model": "\(model)", "backend": "\(backend.baseURL)"])
            }
        case .awaitLoad(let generation):
            guard let running = models.load(generation: generation) else { return }
            load = running
        }
        if options.modelNotReady == .reject {
            throw VariantFailure(variant: variant, error: .modelNotReady(model: model))
        }
        do {
            try await load.value
        } catch let error as GatewayError {
            throw VariantFailure(variant: variant, error: error)
        } catch {
            throw VariantFailure(variant: variant, error: .internalFailure("Loading model \(model) failed: \(error)"))
        }
    }

    /// `POST /models` with `{"model_name": …, "url": …}`; 409 (already loaded) counts as loaded.
    private static func load(
        _ model: String, on backend: Backend, options: VariantProtocolOptions, client: BackendClient,
        settings: BackendSettings, logger: Logger
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: HTTPField.Name.contentType.rawName, value: "application/json")
        let url =
            options.modelURLPrefix.hasSuffix("/")
            ? options.modelURLPrefix + model : options.modelURLPrefix + "/" + model
        let body = "{\"model_name\":\(JSONText.quoted(model)),\"url\":\(JSONText.quoted(url))}"
        let request = BackendRequest(headers: headers, body: ByteBuffer(string: body), timeout: settings.timeout)
        let response: BackendResponse
        do {
            response = try await client.send(request, to: backend, path: "/models", settings: settings, logger: logger)
        } catch {
            throw GatewayError.serviceUnavailable(
                "Loading model \(model) on \(backend.baseURL) failed: \(error.detail)")
        }
        guard response.isSuccess || response.status == 409 else {
            throw GatewayError(
                code: .modelError, status: .init(code: 424),
                message:
                    "Loading model \(model) failed with status \(response.status): \(String(buffer: response.body))",
                integerFields: [("OriginalStatusCode", response.status)])
        }
    }

    /// `name` percent-encoded as one URL path segment.
    package static func pathSegment(_ name: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
    }
}

extension GatewayError {
    /// 429 `ModelNotReadyException`: the target model is being loaded.
    package static func modelNotReady(model: String) -> GatewayError {
        GatewayError(
            code: .modelNotReady, status: .tooManyRequests,
            message: "Model \(model) is being loaded; retry the request shortly.", headers: [.retryAfter: "1"])
    }
}
