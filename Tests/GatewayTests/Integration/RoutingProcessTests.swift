import Foundation
import Testing

extension ProcessTests {
    @Suite("Routing")
    struct Routing {
        @Test func weightedSharesOver400Calls() async throws {
            try await withGateway(backends: [BackendSpec(name: "a"), BackendSpec(name: "b")]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", weight: 1, backends: [backends["a"].url])
                    + TOML.variant("VariantB", weight: 3, backends: [backends["b"].url])
            } _: { gateway, backends in
                let counts = try await Self.variantCounts(gateway, calls: 400)
                #expect(counts.keys.sorted() == ["VariantA", "VariantB"])
                let servedA = try await backends["a"].invocations()
                let servedB = try await backends["b"].invocations()
                #expect(["VariantA": servedA, "VariantB": servedB] == counts)
                let shareB = Double(counts["VariantB", default: 0]) / 400
                #expect(abs(shareB - 0.75) < 0.1, "VariantB served \(shareB) of the calls")
            }
        }

        /// How many of `calls` invocations each variant answered (by `x-Amzn-Invoked-Production-Variant`).
        private static func variantCounts(_ gateway: GatewayProcess, calls: Int) async throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for _ in 0..<calls {
                let response = try await gateway.invoke()
                #expect(response.status == 200)
                counts[response.variant ?? "none", default: 0] += 1
            }
            return counts
        }

        @Test func modelAnswerAndSageMakerHeaders() async throws {
            try await withDemoGateway { gateway in
                let csv = try await gateway.invoke(body: "0,0,0\n1,1,1")
                #expect(csv.status == 200)
                #expect(csv.text == "0.500000\n0.731059")
                #expect(csv.headers.first(name: "Content-Type") == "text/csv")
                #expect(csv.variant == "VariantA")
                #expect(csv.headers.first(name: "x-amzn-RequestId")?.isEmpty == false)
                let json = try await gateway.invoke(
                    body: #"{"instances": [[0, 0], [1, 1]]}"#, contentType: "application/json")
                #expect(json.status == 200)
                #expect(json.text == #"{"predictions":[0.500000,0.731059]}"#)
                #expect(json.headers.first(name: "Content-Type") == "application/json")
            }
        }

        @Test func echoPassesBodyContentTypeAndCustomAttributesBothWays() async throws {
            try await withGateway(backends: [BackendSpec(name: "echo", mode: "echo")]) { backends in
                TOML.endpoint() + TOML.variant("Echo", backends: [backends["echo"].url])
            } _: { gateway, _ in
                let payload = "{\"a\": \"ünïcødé\", \"b\": [1, 2, 3]}"
                let response = try await gateway.invoke(
                    body: payload, contentType: "application/x-custom; charset=utf-8",
                    headers: [
                        ("X-Amzn-SageMaker-Custom-Attributes", "trace=abc,flag=1"), ("Accept", "application/json"),
                    ])
                #expect(response.status == 200)
                #expect(response.text == payload)
                #expect(response.headers.first(name: "Content-Type") == "application/x-custom; charset=utf-8")
                #expect(response.headers.first(name: "X-Amzn-SageMaker-Custom-Attributes") == "trace=abc,flag=1")
                let plain = try await gateway.invoke(body: "x")
                #expect(plain.headers.first(name: "X-Amzn-SageMaker-Custom-Attributes") == nil)
            }
        }

        @Test func targetVariantBypassesWeightsIncludingWeightZero() async throws {
            try await withGateway(backends: [BackendSpec(name: "a"), BackendSpec(name: "b")]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", weight: 1, backends: [backends["a"].url])
                    + TOML.variant("VariantB", weight: 0, backends: [backends["b"].url])
            } _: { gateway, backends in
                for _ in 0..<30 {
                    #expect(try await gateway.invoke().variant == "VariantA")
                }
                for _ in 0..<10 {
                    let response = try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "VariantB")])
                    #expect(response.status == 200)
                    #expect(response.variant == "VariantB")
                }
                let servedB = try await backends["b"].invocations()
                #expect(servedB == 10)
                let unknown = try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "VariantC")])
                #expect(unknown.status == 400)
                #expect(unknown.errorType == "ValidationError")
            }
        }

        @Test func shadowVariantReceivesCopiesAndNeverAnswers() async throws {
            let specs = [BackendSpec(name: "prod"), BackendSpec(name: "shadow", mode: "echo", failRate: 0.5)]
            try await withGateway(backends: specs) { backends in
                TOML.endpoint() + TOML.variant("Production", weight: 1, backends: [backends["prod"].url])
                    + TOML.variant("Shadow", weight: 1, backends: [backends["shadow"].url], shadow: true)
            } _: { gateway, backends in
                for _ in 0..<40 {
                    let response = try await gateway.invoke()
                    #expect(response.status == 200)
                    #expect(response.variant == "Production")
                }
                let servedProd = try await backends["prod"].invocations()
                #expect(servedProd == 40)
                let labels = ["endpoint": "demo", "variant": "Shadow"]
                try await eventually("the shadow variant got 40 copies") {
                    try await gateway.metrics().value("mlgateway_shadow_invocations_total", labels) == 40
                }
                try await eventually("every shadow copy finished") {
                    let state = try await gateway.endpointsState()
                    return state.backends["demo"]?["Shadow"]?.first?.outstanding == 0
                }
                let metrics = try await gateway.metrics()
                #expect((metrics.value("mlgateway_shadow_errors_total", labels) ?? 0) > 0)
                #expect(
                    metrics.value("mlgateway_invocations_total", ["endpoint": "demo", "variant": "Production"]) == 40)
            }
        }

        @Test func partialShadowGetsItsShare() async throws {
            try await withGateway(backends: [BackendSpec(name: "prod"), BackendSpec(name: "shadow")]) { backends in
                TOML.endpoint() + TOML.variant("Production", weight: 4, backends: [backends["prod"].url])
                    + TOML.variant("Shadow", weight: 1, backends: [backends["shadow"].url], shadow: true)
            } _: { gateway, _ in
                for _ in 0..<200 { #expect(try await gateway.invoke().status == 200) }
                try await eventually("shadow copies are counted") {
                    let state = try await gateway.endpointsState()
                    return state.backends["demo"]?["Shadow"]?.first?.outstanding == 0
                }
                let copies =
                    try await gateway.metrics().value(
                        "mlgateway_shadow_invocations_total", ["endpoint": "demo", "variant": "Shadow"]) ?? 0
                #expect(copies > 15 && copies < 85, "\(copies) copies of 200 calls at 25 %")
            }
        }
    }
}
