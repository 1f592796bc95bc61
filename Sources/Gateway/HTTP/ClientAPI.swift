import Foundation
import Hummingbird
import InvocationCore
import NIOCore
import WireFormats

/// The client-facing router: the SageMaker runtime API, Open Inference, health probes and its OpenAPI document.
enum ClientAPI {
    /// Builds the router of the client listener.
    ///
    /// The invocation routes are added before the middlewares, which Hummingbird applies to the routes added after
    /// them: their answers, errors and access-log lines are ``InvocationRenderer``'s, as on the fast path.
    static func router(pipeline: InvocationPipeline, readiness: Readiness) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        let renderer = InvocationRenderer(runtime: pipeline.runtime)
        router.post("endpoints/:name/invocations") { request, context in
            let invocation = await invocationRequest(
                request, endpointName: try endpointName(context), limit: pipeline.runtime.maxBodyBytes, context: context
            )
            let outcome = await pipeline.invoke(invocation)
            return response(renderer.render(outcome, for: invocation, logger: context.logger))
        }
        router.post("endpoints/:name/invocations-response-stream") { request, context in
            let invocation = await invocationRequest(
                request, endpointName: try endpointName(context), limit: pipeline.runtime.maxBodyBytes, context: context
            )
            switch await pipeline.invokeWithResponseStream(invocation) {
            case .success(let stream):
                return InvocationPipeline.streamingResponse(
                    for: stream, request: invocation, renderer: renderer, logger: context.logger)
            case .failure(let failure):
                return response(renderer.render(.failure(failure), for: invocation, logger: context.logger))
            }
        }
        OpenInferenceAPI.addInferRoute(to: router, pipeline: pipeline, renderer: renderer)
        router.add(middleware: AccessLogMiddleware(runtime: pipeline.runtime))
        router.add(middleware: ErrorMiddleware())
        router.get("ping") { _, _ in Response(status: .ok) }
        router.get("healthz") { _, _ in HealthAPI.json(status: .ok, #"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in HealthAPI.readiness(readiness) }
        router.get("openapi.json") { _, _ in BuiltInAssets.clientDocument.response }
        OpenInferenceAPI.addRoutes(to: router, pipeline: pipeline, readiness: readiness)
        return router
    }

    /// The ``InvocationRequest`` of a request the router took: its body read up to the limit in force, unless the
    /// declared length is already over it (the pipeline then refuses it without the body).
    static func invocationRequest(
        _ request: Request, endpointName: String, limit: Int, context: GatewayRequestContext,
        head: HTTPRequest? = nil
    ) async -> InvocationRequest {
        let body: InvocationRequestBody
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            body = .failed(NIOTooManyBytesError(maxBytes: limit))
        } else {
            do {
                body = .complete(try await request.body.collect(upTo: limit))
            } catch {
                body = .failed(error)
            }
        }
        return InvocationRequest(
            head: head ?? request.head, endpointName: endpointName, body: body, remoteAddress: context.remoteAddress,
            requestID: context.requestID, receivedAt: .now)
    }

    /// A rendered answer as the router's response.
    static func response(_ answer: InvocationAnswer) -> Response {
        Response(status: answer.head.status, headers: answer.head.headerFields, body: .init(byteBuffer: answer.body))
    }

    /// The `{EndpointName}` path segment, percent-decoded (clients encode the segments they sign).
    static func endpointName(_ context: GatewayRequestContext) throws -> String {
        try context.segment("name")
    }

    /// A path segment as sent, percent-decoded.
    static func decoded(segment: String) -> String {
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

extension GatewayRequestContext {
    /// The path parameter `name`, percent-decoded: clients (botocore, browsers' `encodeURIComponent`) encode the
    /// segments they send, and every route compares names decoded.
    func segment(_ name: String) throws -> String {
        ClientAPI.decoded(segment: try parameters.require(name))
    }

    /// The path parameter `name` percent-decoded, nil when the route has none.
    func optionalSegment(_ name: String) -> String? {
        parameters.get(name).map(ClientAPI.decoded(segment:))
    }
}
