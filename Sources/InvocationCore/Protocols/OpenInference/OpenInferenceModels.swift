import Foundation
import GRPCCore
import HTTPTypes
import ModelClient
import NIOCore
import OpenInference
import Synchronization
import WireFormats

/// Model metadata and readiness for the Open Inference front (`GET /v2/models/{model}[/versions/{version}]` and
/// `…/ready`), answered by the model server of the production variant a request would reach: the `version` names
/// the variant, else the variants' weights choose as for an invocation.
///
/// - An OIP variant's model server is asked (`GET /v2/models/{model}`, `…/ready`, or the `ModelMetadata` and
///   `ModelReady` calls of an `oip-grpc` one), so the client gets the model's
///   own `inputs` and `outputs`, which it needs to build requests. Its answer is passed on with `name` and
///   `versions` as the client addresses them (the endpoint, its production variants), and kept for
///   ``metadataTTL``: clients ask for metadata before each session, not per request.
/// - A SageMaker container has no such API: its metadata lists no tensors, and it is ready when a backend is.
/// - An endpoint with `auth` asks for the same credentials as its invocations.
package final class OpenInferenceModels: Sendable {
    /// How long a model server's metadata is served without asking it again.
    package static let metadataTTL = Duration.seconds(5)

    private let pipeline: InvocationPipeline
    private let cache = Mutex<[String: (json: String, fetchedAt: ContinuousClock.Instant)]>([:])

    package init(pipeline: InvocationPipeline) {
        self.pipeline = pipeline
    }

    /// The model's metadata as JSON.
    package func metadata(
        model: String, version: String?, head: HTTPRequest
    ) async throws(GatewayError) -> String {
        let (endpoint, variant) = try await resolve(model: model, version: version, head: head)
        let versions = endpoint.production.map(\.name)
        let backendProtocol = variant.configuration.protocolOptions.backendProtocol
        guard backendProtocol.isOpenInference else {
            return Self.json([
                "name": endpoint.name, "versions": versions, "platform": "mlgateway", "inputs": [Any](),
                "outputs": [Any](),
            ])
        }
        let key = "\(pipeline.runtime.generation)\u{0}\(endpoint.name)\u{0}\(variant.name)"
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[key] }), now < cached.fetchedAt + Self.metadataTTL { return cached.json }
        var object: [String: Any]
        if backendProtocol == .oipGRPC {
            object = try await askGRPC(variant, of: endpoint, what: "metadata") { client, model, options in
                try await client.modelMetadata(.with { $0.name = model }, options: options)
            }.restObject
        } else {
            let response = try await ask(variant, of: endpoint, path: "")
            guard response.status == 200,
                let parsed = (try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)))
                    as? [String: Any]
            else {
                throw Self.modelServerError(
                    status: response.status, body: String(buffer: response.body), endpoint: endpoint,
                    variant: variant, what: "metadata")
            }
            object = parsed
        }
        object["name"] = endpoint.name
        object["versions"] = versions
        if object["inputs"] == nil { object["inputs"] = [Any]() }
        if object["outputs"] == nil { object["outputs"] = [Any]() }
        let json = Self.json(object)
        cache.withLock { $0[key] = (json, now) }
        return json
    }

    /// Whether the model can take requests: its OIP server says so, or (SageMaker) a backend is available.
    package func isReady(model: String, version: String?, head: HTTPRequest) async throws(GatewayError) -> Bool {
        let (endpoint, variant) = try await resolve(model: model, version: version, head: head)
        guard variant.isAvailable(now: .now) else { return false }
        switch variant.configuration.protocolOptions.backendProtocol {
        case .sagemaker:
            return true
        case .oip:
            return (try? await ask(variant, of: endpoint, path: "/ready").status) == 200
        case .oipGRPC:
            let response = try? await askGRPC(variant, of: endpoint, what: "readiness") { client, model, options in
                try await client.modelReady(.with { $0.name = model }, options: options)
            }
            return response?.ready ?? false
        }
    }

    /// The endpoint named `model` and the variant that answers for it, after checking the request's credentials.
    private func resolve(
        model: String, version: String?, head: HTTPRequest
    ) async throws(GatewayError) -> (EndpointRuntime, VariantRuntime) {
        guard let endpoint = pipeline.runtime.current.endpoints[model] else { throw Self.modelNotFound(model) }
        let pending = try await InvocationPipeline.authenticate(
            head, endpoint: endpoint.configuration, runtime: pipeline.runtime)
        _ = try await pending.complete(body: ByteBuffer())
        if let version {
            guard let variant = endpoint.production.first(where: { $0.name == version }) else {
                throw Self.versionNotFound(version, of: endpoint)
            }
            return (endpoint, variant)
        }
        // With no variant available, the first one answers (its readiness is then false, its metadata an error).
        guard
            let variant = (try? InvocationPipeline.chooseVariant(of: endpoint, target: nil))
                ?? endpoint.production.first
        else { throw .serviceUnavailable("Endpoint \(endpoint.name) has no production variant.") }
        return (endpoint, variant)
    }

    /// 404 `ModelNotFound`: no endpoint has the model's name.
    package static func modelNotFound(_ model: String) -> GatewayError {
        GatewayError(code: .modelNotFound, status: .notFound, message: "Model \(model) not found.")
    }

    /// 404 `ModelNotFound`: the endpoint has no production variant named as the version.
    package static func versionNotFound(_ version: String, of endpoint: EndpointRuntime) -> GatewayError {
        GatewayError(
            code: .modelNotFound, status: .notFound,
            message: "Model \(endpoint.name) has no version \(version); its versions are its production variants: "
                + endpoint.production.map(\.name).joined(separator: ", ") + ".")
    }

    /// The least loaded available backend of `variant`.
    private func availableBackend(
        of variant: VariantRuntime, endpoint: EndpointRuntime
    ) throws(GatewayError) -> Backend {
        var generator = SystemRandomNumberGenerator()
        guard
            let backend = BackendSelection.leastOutstanding(
                variant.backends, excluding: [], now: .now, using: &generator)
        else {
            throw .serviceUnavailable("Variant \(variant.name) of endpoint \(endpoint.name) has no healthy backend.")
        }
        return backend
    }

    /// `GET /v2/models/{model}{suffix}` on an available backend of `variant`, within its health check timeout.
    private func ask(
        _ variant: VariantRuntime, of endpoint: EndpointRuntime, path suffix: String
    ) async throws(GatewayError) -> BackendResponse {
        let backend = try availableBackend(of: variant, endpoint: endpoint)
        let model = variant.configuration.protocolOptions.model ?? endpoint.name
        let settings = endpoint.configuration.backend
        do {
            return try await pipeline.client.send(
                BackendRequest(method: .GET, timeout: settings.healthCheckTimeout), to: backend,
                path: "/v2/models/\(InvocationPipeline.pathSegment(model))\(suffix)", settings: settings,
                logger: pipeline.logger)
        } catch {
            throw .serviceUnavailable(
                "The model server of variant \(variant.name) of endpoint \(endpoint.name) did not answer: \(error)")
        }
    }

    /// Calls `rpc` for the variant's model on an available backend of `variant`, within its health check timeout.
    private func askGRPC<Response: Sendable>(
        _ variant: VariantRuntime, of endpoint: EndpointRuntime, what: String,
        _ rpc: @Sendable @escaping (OpenInferenceGRPCClients.Client, String, CallOptions) async throws -> Response
    ) async throws(GatewayError) -> Response {
        let backend = try availableBackend(of: variant, endpoint: endpoint)
        let model = variant.configuration.protocolOptions.model ?? endpoint.name
        let answer: OpenInferenceGRPCAnswer<Response>
        do throws(BackendCallError) {
            answer = try await pipeline.client.openInferenceGRPC.call(
                backend, timeout: endpoint.configuration.backend.healthCheckTimeout
            ) { client, options in try await rpc(client, model, options) }
        } catch {
            throw .serviceUnavailable(
                "The model server of variant \(variant.name) of endpoint \(endpoint.name) did not answer: \(error)")
        }
        switch answer {
        case .response(let response): return response
        case .status(let error):
            throw Self.modelServerError(
                status: GRPCStatus.httpStatus(of: error.code), body: error.message, endpoint: endpoint,
                variant: variant, what: what)
        }
    }

    /// A model server's refusal, passed on with its status when it is a client error (404: it has no such model).
    private static func modelServerError(
        status: Int, body text: String, endpoint: EndpointRuntime, variant: VariantRuntime, what: String
    ) -> GatewayError {
        let reason = (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])?["error"] as? String
        let message =
            "The model server of variant \(variant.name) of endpoint \(endpoint.name) answered \(status) "
            + "for the model's \(what)" + (reason.map { ": \($0)" } ?? (text.isEmpty ? "." : ": \(text)"))
        if status == 404 {
            return GatewayError(code: .modelNotFound, status: .notFound, message: message)
        }
        return GatewayError(code: .modelError, status: .init(code: 424), message: message)
    }

    private static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

extension Inference_ModelMetadataResponse {
    /// The REST form of the metadata, as a JSON object.
    fileprivate var restObject: [String: Any] {
        func tensors(_ list: [TensorMetadata]) -> [[String: Any]] {
            list.map { ["name": $0.name, "datatype": $0.datatype, "shape": $0.shape.map { Int($0) }] }
        }
        return [
            "name": name, "versions": versions, "platform": platform, "inputs": tensors(inputs),
            "outputs": tensors(outputs),
        ]
    }
}
