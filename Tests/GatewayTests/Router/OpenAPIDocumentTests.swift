import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import Gateway
@testable import InvocationCore

/// The OpenAPI documents and the routers cannot drift apart: every route a router has is an operation of its
/// listener's document, and every operation of the document is a route (schemathesis checks the answers'
/// shapes against the running binary in `Tests/python/test_openapi.py`).
@Suite("OpenAPI documents and console assets (router)")
struct OpenAPIDocumentTests {
    /// `METHOD /path/{parameter}` of every route of `router`.
    private static func routes(_ router: Router<GatewayRequestContext>) -> Set<String> {
        Set(
            router.routes.map { route in
                let path = route.path.description
                return "\(route.method.rawValue) \(path.hasPrefix("/") ? path : "/" + path)"
            })
    }

    /// `METHOD /path/{parameter}` of every operation of a document.
    private static func operations(_ document: BuiltInAssets.Asset) throws -> Set<String> {
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(document.bytes.readableBytesView)) as? [String: Any])
        #expect(json["openapi"] as? String == "3.1.0")
        let paths = try #require(json["paths"] as? [String: [String: Any]])
        let methods = ["get", "put", "post", "delete", "patch", "head", "options"]
        return Set(
            paths.flatMap { path, item in
                item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
            })
    }

    @Test func adminRoutesAndAdminDocumentMatch() throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        let routes = Self.routes(AdminAPI.router(runtime: harness.runtime, readiness: harness.readiness))
        let documented = try Self.operations(BuiltInAssets.adminDocument)
        #expect(routes.subtracting(documented).sorted() == [], "routes missing from docs/openapi/admin.json")
        // Asynchronous invocations' routes exist only when `[async]` is configured.
        let unrouted = documented.subtracting(routes).filter { !$0.contains("/async") }
        #expect(unrouted.sorted() == [], "documented operations without a route")
    }

    @Test func clientRoutesAndClientDocumentMatch() throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        let pipeline = InvocationPipeline(runtime: harness.runtime, client: harness.client)
        let routes = Self.routes(ClientAPI.router(pipeline: pipeline, readiness: harness.readiness))
        let documented = try Self.operations(BuiltInAssets.clientDocument)
        #expect(routes.subtracting(documented).sorted() == [], "routes missing from docs/openapi/client.json")
        // Asynchronous invocations' routes exist only when `[async]` is configured.
        let unrouted = documented.subtracting(routes).filter { !$0.contains("async-invocations") }
        #expect(unrouted.sorted() == [], "documented operations without a route")
    }

    @Test func eachListenerServesItsDocument() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint(extraServer: #"admin_token = "t""#))
        let listeners: [(RouterHarness.App, BuiltInAssets.Asset)] = [
            (harness.clientApp, BuiltInAssets.clientDocument), (harness.adminApp, BuiltInAssets.adminDocument),
        ]
        for (app, document) in listeners {
            let response = try await app.test(.router) { client in
                try await client.execute(uri: "/openapi.json", method: .get)
            }
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.body == document.bytes)
        }
    }

    @Test func consoleIsServedWithoutTheTokenAndOnlyItsOwnFiles() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint(extraServer: #"admin_token = "t""#))
        try await harness.adminApp.test(.router) { client in
            let page = try await client.execute(uri: "/console", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
            #expect(String(buffer: page.body).contains(#"<script src="/console/console.js""#))
            let script = try await client.execute(uri: "/console/console.js", method: .get)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[.xContentTypeOptions] == "nosniff")
            let missing = try await client.execute(uri: "/console/gateway.conf", method: .get)
            #expect(missing.status == .notFound)
            let admin = try await client.execute(uri: "/admin/endpoints", method: .get)
            #expect(admin.status == .forbidden)
        }
    }
}
