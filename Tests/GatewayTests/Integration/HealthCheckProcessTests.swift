import Foundation
import Testing

extension ProcessTests {
    @Suite("Health checks")
    struct HealthChecks {
        private static let fastChecks = """
            [endpoint.health_check]
            interval = "200ms"
            timeout = "1s"
            unhealthy_threshold = 2
            healthy_threshold = 1
            """

        @Test func failingPingMarksABackendUnhealthyAndRecoveryMarksItHealthy() async throws {
            try await withGateway(backends: [BackendSpec(name: "a"), BackendSpec(name: "b")]) { backends in
                TOML.endpoint("demo", Self.fastChecks) + TOML.variant("VariantA", backends: [backends["a"].url])
                    + TOML.variant("VariantB", backends: [backends["b"].url])
            } _: { gateway, backends in
                let b = backends["b"].url
                try await backends["b"].setPingStatus(503)
                try await eventually("b is unhealthy") {
                    try await gateway.endpointsState().backend(b, variant: "VariantB")?.healthy == false
                }
                #expect(gateway.output.contains("Backend is unhealthy"))
                for _ in 0..<30 {
                    let response = try await gateway.invoke()
                    #expect(response.status == 200)
                    #expect(response.variant == "VariantA")
                }
                let targeted = try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "VariantB")])
                #expect(targeted.status == 503)
                #expect(targeted.errorType == "ServiceUnavailable")
                #expect((targeted.json["message"] as? String)?.contains("VariantB") == true)

                try await backends["b"].setPingStatus(200)
                try await eventually("b is healthy again") {
                    try await gateway.endpointsState().backend(b, variant: "VariantB")?.healthy == true
                }
                #expect(gateway.output.contains("Backend is healthy again"))
                let back = try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "VariantB")])
                #expect(back.status == 200)
                #expect(back.variant == "VariantB")
            }
        }

        @Test func unhealthyBackendIsSkippedWithinItsVariant() async throws {
            try await withGateway(backends: [BackendSpec(name: "a1"), BackendSpec(name: "a2")]) { backends in
                TOML.endpoint("demo", Self.fastChecks)
                    + TOML.variant("VariantA", backends: [backends["a1"].url, backends["a2"].url])
            } _: { gateway, backends in
                try await backends["a1"].setPingStatus(500)
                try await eventually("a1 is unhealthy") {
                    try await gateway.endpointsState().backend(backends["a1"].url, variant: "VariantA")?.healthy
                        == false
                }
                for _ in 0..<20 {
                    let response = try await gateway.invoke()
                    #expect(response.status == 200)
                }
                let servedA1 = try await backends["a1"].invocations()
                #expect(servedA1 == 0)
                let servedA2 = try await backends["a2"].invocations()
                #expect(servedA2 == 20)
            }
        }

        @Test func noHealthyVariantIsServiceUnavailable() async throws {
            try await withGateway(backends: [BackendSpec(name: "a")]) { backends in
                TOML.endpoint("demo", Self.fastChecks) + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, backends in
                try await backends["a"].setPingStatus(503)
                try await eventually("a is unhealthy") {
                    try await gateway.endpointsState().backend(backends["a"].url, variant: "VariantA")?.healthy == false
                }
                let response = try await gateway.invoke()
                #expect(response.status == 503)
                #expect(response.errorType == "ServiceUnavailable")
            }
        }

        @Test func stoppedBackendIsMarkedUnhealthy() async throws {
            try await withGateway(backends: [BackendSpec(name: "a"), BackendSpec(name: "b")]) { backends in
                TOML.endpoint("demo", Self.fastChecks)
                    + TOML.variant("VariantA", backends: [backends["a"].url, backends["b"].url])
            } _: { gateway, backends in
                await backends["b"].stop()
                try await eventually("b is unhealthy") {
                    try await gateway.endpointsState().backend(backends["b"].url, variant: "VariantA")?.healthy == false
                }
                for _ in 0..<20 { #expect(try await gateway.invoke().status == 200) }
            }
        }
    }
}
