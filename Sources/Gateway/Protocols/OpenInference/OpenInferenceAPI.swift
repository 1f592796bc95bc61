import Hummingbird
import InvocationCore
import NIOCore
import WireFormats

/// The Open Inference Protocol (KServe v2) front: server metadata and health, model metadata and readiness from the
/// model servers (``OpenInferenceModels``), and `POST /v2/models/{endpoint}[/versions/{variant}]/infer`, which takes
/// the same pipeline as `POST /endpoints/{endpoint}/invocations` (a model name is an endpoint name, a version a
/// production variant). Every error under `/v2` is answered in the protocol's form, `{"error": "…"}`.
enum OpenInferenceAPI {
    /// The protocol extensions the front supports: binary tensor data passes through both ways.
    static let extensions = ["binary_tensor_data"]

    /// Whether `path` is the protocol's (`/v2` and below), whose errors its clients decode as `{"error": …}`.
    static func isProtocolPath(_ path: String) -> Bool {
        path == "/v2" || path.hasPrefix("/v2/")
    }

    /// A model's paths, without and with a version.
    static let modelPaths = ["v2/models/:model", "v2/models/:model/versions/:version"]

    /// Registers the infer routes, whose answers ``InvocationRenderer`` makes, with the protocol's error body.
    static func addInferRoute(
        to router: Router<GatewayRequestContext>, pipeline: InvocationPipeline, renderer: InvocationRenderer
    ) {
        for path in modelPaths {
            router.post(RouterPath(path + "/infer")) { request, context in
                await infer(request, context: context, pipeline: pipeline, renderer: renderer)
            }
        }
    }

    /// An infer call: the endpoint named by the model, the production variant named by the version if any.
    private static func infer(
        _ request: Request, context: GatewayRequestContext, pipeline: InvocationPipeline, renderer: InvocationRenderer
    ) async -> Response {
        let name = context.optionalSegment("model") ?? ""
        let version = context.optionalSegment("version")
        var head = request.head
        if head.headerFields[.contentType] == nil { head.headerFields[.contentType] = "application/json" }
        if let version { head.headerFields[.targetVariant] = version }
        let invocation = await ClientAPI.invocationRequest(
            request, endpointName: name, limit: pipeline.runtime.maxBodyBytes, context: context, head: head)
        let outcome = await infer(invocation, version: version, pipeline: pipeline)
        return ClientAPI.response(
            renderer.render(outcome, for: invocation, errorBody: .openInference, logger: context.logger))
    }

    /// Runs an infer invocation of either front: the endpoint its name names, the production variant `version` names
    /// (which must be one of the endpoint's).
    static func infer(
        _ invocation: InvocationRequest, version: String?, pipeline: InvocationPipeline
    ) async -> InvocationOutcome {
        guard let endpoint = pipeline.runtime.current.endpoints[invocation.endpointName] else {
            return .failure(InvocationFailure(error: OpenInferenceModels.modelNotFound(invocation.endpointName)))
        }
        if let version, !endpoint.production.contains(where: { $0.name == version }) {
            return .failure(InvocationFailure(error: OpenInferenceModels.versionNotFound(version, of: endpoint)))
        }
        return await pipeline.invoke(invocation)
    }

    /// Registers the other `/v2` routes on the client router.
    static func addRoutes(to router: Router<GatewayRequestContext>, pipeline: InvocationPipeline, readiness: Readiness)
    {
        let models = OpenInferenceModels(pipeline: pipeline)
        router.get("v2") { _, _ in
            let extensions = Self.extensions.map(JSONText.quoted).joined(separator: ",")
            return HealthAPI.json(
                status: .ok,
                "{\"name\":\"mlgateway\",\"version\":\(JSONText.quoted(GatewayVersion.current)),"
                    + "\"extensions\":[\(extensions)]}")
        }
        router.get("v2/health/live") { _, _ in HealthAPI.json(status: .ok, #"{"live":true}"#) }
        router.get("v2/health/ready") { _, _ in
            readiness.notReadyReason == nil
                ? HealthAPI.json(status: .ok, #"{"ready":true}"#)
                : HealthAPI.json(status: .serviceUnavailable, #"{"ready":false}"#)
        }
        for path in modelPaths {
            router.get(RouterPath(path)) { request, context in
                HealthAPI.json(
                    status: .ok,
                    try await models.metadata(
                        model: try context.segment("model"), version: context.optionalSegment("version"),
                        head: request.head))
            }
            router.get(RouterPath(path + "/ready")) { request, context in
                let model = try context.segment("model")
                let ready = try await models.isReady(
                    model: model, version: context.optionalSegment("version"), head: request.head)
                return HealthAPI.json(
                    status: ready ? .ok : .serviceUnavailable,
                    "{\"name\":\(JSONText.quoted(model)),\"ready\":\(ready)}")
            }
        }
    }

    /// An error answer as the protocol has it: the status and `{"error": message}`, with `x-amzn-ErrorType` kept.
    static func errorResponse(_ error: GatewayError) -> Response {
        Response(
            status: error.status, headers: error.responseHeaders,
            body: .init(byteBuffer: ByteBuffer(string: error.openInferenceBody)))
    }
}
