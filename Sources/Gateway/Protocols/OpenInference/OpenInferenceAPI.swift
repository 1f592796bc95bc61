import Hummingbird
import InvocationCore
import NIOCore
import WireFormats

/// The Open Inference Protocol (KServe v2) front: health, model metadata and readiness, and
/// `POST /v2/models/{endpoint}/infer`, which takes the same pipeline as `POST /endpoints/{endpoint}/invocations`
/// (a model name is an endpoint name). Errors are answered in the protocol's form, `{"error": "…"}`.
enum OpenInferenceAPI {
    /// Registers `POST /v2/models/{endpoint}/infer`, whose answers ``InvocationRenderer`` makes, with the
    /// protocol's error body.
    static func addInferRoute(
        to router: Router<GatewayRequestContext>, pipeline: InvocationPipeline, renderer: InvocationRenderer
    ) {
        router.post("v2/models/:model/infer") { request, context in
            let name = try context.parameters.require("model")
            var head = request.head
            if head.headerFields[.contentType] == nil { head.headerFields[.contentType] = "application/json" }
            let invocation = await ClientAPI.invocationRequest(
                request, endpointName: name, limit: pipeline.runtime.maxBodyBytes, context: context, head: head)
            let outcome: InvocationOutcome
            if pipeline.runtime.current.endpoints[name] == nil {
                outcome = .failure(InvocationFailure(error: modelNotFoundError(name)))
            } else {
                outcome = await pipeline.invoke(invocation)
            }
            return ClientAPI.response(
                renderer.render(outcome, for: invocation, errorBody: .openInference, logger: context.logger))
        }
    }

    /// Registers the other `/v2` routes on the client router.
    static func addRoutes(to router: Router<GatewayRequestContext>, pipeline: InvocationPipeline, readiness: Readiness)
    {
        router.get("v2/health/live") { _, _ in HealthAPI.json(status: .ok, #"{"live":true}"#) }
        router.get("v2/health/ready") { _, _ in
            readiness.notReadyReason == nil
                ? HealthAPI.json(status: .ok, #"{"ready":true}"#)
                : HealthAPI.json(status: .serviceUnavailable, #"{"ready":false}"#)
        }
        router.get("v2/models/:model") { _, context in
            let name = try context.parameters.require("model")
            guard let endpoint = pipeline.runtime.current.endpoints[name] else { return Self.modelNotFound(name) }
            let versions = endpoint.production.map { JSONText.quoted($0.name) }.joined(separator: ",")
            return HealthAPI.json(
                status: .ok,
                "{\"name\":\(JSONText.quoted(endpoint.name)),\"versions\":[\(versions)],\"platform\":\"mlgateway\"}")
        }
        router.get("v2/models/:model/ready") { _, context in
            let name = try context.parameters.require("model")
            guard let endpoint = pipeline.runtime.current.endpoints[name] else { return Self.modelNotFound(name) }
            let now = ContinuousClock.now
            let ready = endpoint.production.contains { $0.isAvailable(now: now) }
            return HealthAPI.json(
                status: ready ? .ok : .serviceUnavailable,
                "{\"name\":\(JSONText.quoted(endpoint.name)),\"ready\":\(ready)}")
        }
    }

    /// 404 for a model (endpoint) that is not configured.
    static func modelNotFound(_ name: String) -> Response {
        errorResponse(modelNotFoundError(name))
    }

    /// 404 `ModelNotFound`: no endpoint has the model's name.
    static func modelNotFoundError(_ name: String) -> GatewayError {
        GatewayError(code: .modelNotFound, status: .notFound, message: "Model \(name) not found.")
    }

    /// An error answer as the protocol has it: the status and `{"error": message}`, with `x-amzn-ErrorType` kept.
    static func errorResponse(_ error: GatewayError) -> Response {
        Response(
            status: error.status, headers: error.responseHeaders,
            body: .init(byteBuffer: ByteBuffer(string: error.openInferenceBody)))
    }
}
