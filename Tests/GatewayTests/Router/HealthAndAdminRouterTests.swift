import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Health and admin routes (router)")
struct HealthAndAdminRouterTests {
    private func get(_ app: RouterHarness.App, _ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await app.test(.router) { client in try await client.execute(uri: uri, method: .get, headers: headers) }
    }

    @Test func livenessProbesAnswer200() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        #expect(try await get(harness.clientApp, "/ping").status == .ok)
        #expect(try await get(harness.clientApp, "/healthz").status == .ok)
        #expect(try await get(harness.adminApp, "/healthz").status == .ok)
    }

    @Test func readinessTurns503WhenDraining() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        #expect(try await get(harness.clientApp, "/readyz").status == .ok)
        harness.readiness.startDraining()
        let client = try await get(harness.clientApp, "/readyz")
        #expect(client.status == .serviceUnavailable)
        #expect(String(buffer: client.body).contains("shutting down"))
        #expect(try await get(harness.adminApp, "/readyz").status == .serviceUnavailable)
    }

    @Test func readinessWaitsForPendingStartupTasks() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        harness.readiness.begin("warm-up")
        let response = try await get(harness.clientApp, "/readyz")
        #expect(response.status == .serviceUnavailable)
        #expect(String(buffer: response.body).contains("warm-up"))
        harness.readiness.finish("warm-up")
        #expect(try await get(harness.clientApp, "/readyz").status == .ok)
    }

    @Test func adminEndpointsListsVariantsAndBackendState() async throws {
        let port = try FreePort.refusing()
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        let response = try await get(harness.adminApp, "/admin/endpoints")
        #expect(response.status == .ok)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
        #expect(json["generation"] as? Int == 1)
        let endpoints = try #require(json["endpoints"] as? [[String: Any]])
        #expect(endpoints.first?["name"] as? String == "demo")
        let variants = try #require(endpoints.first?["variants"] as? [[String: Any]])
        #expect(variants.map { $0["name"] as? String } == ["VariantA", "VariantB"])
        let backend = try #require((variants.first?["backends"] as? [[String: Any]])?.first)
        #expect(backend["url"] as? String == "http://127.0.0.1:\(port)")
        #expect(backend["healthy"] as? Bool == true)
        #expect(backend["circuit"] as? String == "closed")
        #expect(backend["outstanding"] as? Int == 0)
    }

    @Test func adminTokenProtectsAdminRoutesButNotMetrics() async throws {
        let harness = try RouterHarness(
            RouterHarness.unreachableEndpoint(extraServer: "admin_token = \"s3cret\""))
        let missing = try AWSError(try await get(harness.adminApp, "/admin/endpoints"))
        #expect(missing.status == .forbidden)
        #expect(missing.type == "MissingAuthenticationTokenException")
        let wrong = try AWSError(
            try await get(harness.adminApp, "/admin/endpoints", headers: [.authorization: "Bearer nope"]))
        #expect(wrong.type == "AccessDeniedException")
        #expect(
            try await get(harness.adminApp, "/admin/endpoints", headers: [.authorization: "Bearer s3cret"]).status
                == .ok)
        #expect(try await get(harness.adminApp, "/metrics").status == .ok)
    }

    @Test func reloadWithoutAFileIsRejected() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        let response = try await harness.adminApp.test(.router) { client in
            try await client.execute(uri: "/admin/reload", method: .post)
        }
        let error = try AWSError(response)
        #expect(error.status == .badRequest)
        #expect(error.type == "InvalidConfiguration")
        #expect(harness.runtime.generation == 1)
    }

    @Test func metricsArePrometheusText() async throws {
        let harness = try RouterHarness(RouterHarness.unreachableEndpoint())
        let response = try await get(harness.adminApp, "/metrics")
        #expect(response.status == .ok)
        #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
    }

    @Test func constantTimeEqualComparesWholeSecrets() {
        #expect(AdminTokenMiddleware.constantTimeEqual("abc", "abc"))
        #expect(!AdminTokenMiddleware.constantTimeEqual("abc", "abd"))
        #expect(!AdminTokenMiddleware.constantTimeEqual("abc", "abcd"))
        #expect(!AdminTokenMiddleware.constantTimeEqual("", "a"))
    }
}
