import Foundation
import Testing

extension ProcessTests {
    @Suite("Metrics")
    struct MetricsExposition {
        @Test func invocationsErrorsAndLatencyHistogramsPerVariant() async throws {
            try await withGateway(backends: [BackendSpec(name: "a"), BackendSpec(name: "bad", failRate: 1)]) {
                backends in
                TOML.endpoint() + TOML.variant("VariantA", weight: 1, backends: [backends["a"].url])
                    + TOML.variant("Broken", weight: 0, backends: [backends["bad"].url])
            } _: { gateway, _ in
                for _ in 0..<5 { #expect(try await gateway.invoke().status == 200) }
                for _ in 0..<2 {
                    #expect(
                        try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "Broken")]).status == 424
                    )
                }
                #expect(try await gateway.invoke(body: "").status == 400)

                let metrics = try await gateway.metrics()
                let a = ["endpoint": "demo", "variant": "VariantA"]
                let broken = ["endpoint": "demo", "variant": "Broken"]
                #expect(metrics.text.contains(#"mlgateway_invocations_total{endpoint="demo",variant="VariantA"} 5"#))
                #expect(metrics.value("mlgateway_invocations_total", a) == 5)
                #expect(metrics.value("mlgateway_invocations_total", broken) == 2)
                #expect(metrics.value("mlgateway_invocation_model_errors_total", broken) == 2)
                #expect(metrics.value("mlgateway_invocation_4xx_errors_total", broken) == 2)
                #expect((metrics.value("mlgateway_invocation_4xx_errors_total", a) ?? 0) == 0)
                #expect(
                    metrics.value("mlgateway_invocation_4xx_errors_total", ["endpoint": "demo", "variant": ""]) == 1)
                #expect(metrics.value("mlgateway_model_latency_seconds_count", a) == 5)
                #expect(metrics.value("mlgateway_overhead_latency_seconds_count", a) == 5)
                #expect((metrics.value("mlgateway_model_latency_seconds_sum", a) ?? 0) > 0)
                let buckets = metrics.samples.filter {
                    $0.name == "mlgateway_model_latency_seconds_bucket" && $0.labels["variant"] == "VariantA"
                }
                #expect(buckets.count > 5)
                #expect(buckets.first { $0.labels["le"] == "+Inf" }?.value == 5)
                #expect(metrics.text.contains("# TYPE mlgateway_model_latency_seconds histogram"))
            }
        }
    }
}
