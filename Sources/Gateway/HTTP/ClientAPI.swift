import Foundation
import Hummingbird
import WireFormats

/// The client-facing router: the SageMaker runtime API and health probes.
enum ClientAPI {
    /// Builds the router of the client listener.
    static func router(pipeline: InvocationPipeline, readiness: Readiness) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: AccessLogMiddleware(runtime: pipeline.runtime))
        router.add(middleware: ErrorMiddleware())
        router.get("ping") { _, _ in Response(status: .ok) }
        router.get("healthz") { _, _ in HealthAPI.json(status: .ok, #"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in HealthAPI.readiness(readiness) }
        router.post("endpoints/:name/invocations") { request, context in
            try await pipeline.invoke(request, endpointName: try endpointName(context), context: context)
        }
        router.post("endpoints/:name/invocations-response-stream") { request, context in
            try await pipeline.invokeWithResponseStream(
                request, endpointName: try endpointName(context), context: context)
        }
        OpenInferenceAPI.addRoutes(to: router, pipeline: pipeline, readiness: readiness)
        return router
    }

    /// The `{EndpointName}` path segment, percent-decoded (clients encode the segments they sign).
    static func endpointName(_ context: GatewayRequestContext) throws -> String {
        endpointName(decoding: try context.parameters.require("name"))
    }

    /// A `{EndpointName}` path segment as sent, percent-decoded.
    static func endpointName(decoding segment: String) -> String {
        guard segment.utf8.contains(UInt8(ascii: "%")) else { return segment }
        return segment.removingPercentEncoding ?? segment
    }
}

/// Liveness and readiness answers shared by both listeners.
enum HealthAPI {
    static func json(status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: body)))
    }

    static func readiness(_ readiness: Readiness) -> Response {
        guard let reason = readiness.notReadyReason else { return json(status: .ok, #"{"status":"ready"}"#) }
        return json(status: .serviceUnavailable, "{\"status\":\"not ready\",\"reason\":\(JSONText.quoted(reason))}")
    }
}
