import Foundation
import Testing

extension ProcessTests {
    @Suite("Backend failures")
    struct BackendFailures {
        @Test func modelFailureIsModelError424WithTheOriginalStatus() async throws {
            try await withGateway(backends: [BackendSpec(name: "bad", failRate: 1)]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["bad"].url])
            } _: { gateway, _ in
                let response = try await gateway.invoke()
                #expect(response.status == 424)
                #expect(response.errorType == "ModelError")
                #expect(response.json["OriginalStatusCode"] as? Int == 500)
                #expect(response.json["OriginalMessage"] as? String == #"{"error":"injected failure"}"#)
                #expect((response.json["LogStreamArn"] as? String)?.contains("VariantA") == true)
                #expect((response.json["message"] as? String)?.contains("500") == true)
                let metrics = try await gateway.metrics()
                let labels = ["endpoint": "demo", "variant": "VariantA"]
                #expect(metrics.value("mlgateway_invocation_model_errors_total", labels) == 1)
                #expect(metrics.value("mlgateway_invocation_4xx_errors_total", labels) == 1)
            }
        }

        @Test func modelRejectingTheInputIsModelErrorWithItsStatus() async throws {
            try await withDemoGateway { gateway in
                let response = try await gateway.invoke(body: "1,two,3")
                #expect(response.status == 424)
                #expect(response.errorType == "ModelError")
                #expect(response.json["OriginalStatusCode"] as? Int == 400)
                #expect((response.json["OriginalMessage"] as? String)?.contains("could not parse CSV row") == true)
            }
        }

        @Test func slowBackendTimesOutAsModelError() async throws {
            try await withGateway(backends: [BackendSpec(name: "slow", delayMilliseconds: 5000)]) { backends in
                TOML.endpoint("demo", "timeout = \"300ms\"")
                    + TOML.variant("VariantA", backends: [backends["slow"].url])
            } _: { gateway, _ in
                let response = try await gateway.invoke()
                #expect(response.status == 424)
                #expect(response.errorType == "ModelError")
                #expect((response.json["message"] as? String)?.contains("timed out") == true)
                let state = try await gateway.endpointsState()
                #expect(state.backends["demo"]?["VariantA"]?.first?.outstanding == 0)
            }
        }

        /// The second call reuses the first one's kept-alive connection and is still in flight when the first
        /// call's deadline passes: it must get its own full timeout.
        @Test func backToBackCallsOnOneConnectionEachGetTheirOwnTimeout() async throws {
            try await withGateway(backends: [BackendSpec(name: "slow", delayMilliseconds: 600)]) { backends in
                TOML.endpoint("demo", "timeout = \"1s\"") + TOML.variant("VariantA", backends: [backends["slow"].url])
            } _: { gateway, _ in
                let first = try await gateway.invoke()
                let second = try await gateway.invoke()
                #expect(first.status == 200)
                #expect(second.status == 200)
            }
        }

        @Test func refusedConnectionIsRetriedOnAnotherBackend() async throws {
            let refused = try TOML.unreachableURL()
            try await withGateway(backends: [BackendSpec(name: "good")]) { backends in
                TOML.endpoint(
                    "demo", "max_retries = 2\n[endpoint.health_check]\ninterval = \"1h\"\nunhealthy_threshold = 5")
                    + TOML.variant("VariantA", backends: [refused, backends["good"].url])
            } _: { gateway, backends in
                for _ in 0..<40 {
                    let response = try await gateway.invoke()
                    #expect(response.status == 200, "\(response.text)")
                }
                let servedGood = try await backends["good"].invocations()
                #expect(servedGood == 40)
                #expect(gateway.output.contains("Backend call failed"))
            }
        }

        @Test func variantWithOnlyUnreachableBackendsIsServiceUnavailable() async throws {
            let refused = try TOML.unreachableURL()
            try await withGateway(backends: []) { _ in
                TOML.endpoint() + TOML.variant("VariantA", backends: [refused])
            } _: { gateway, _ in
                let first = try await gateway.invoke()
                #expect((first.json["message"] as? String)?.hasSuffix("\(refused): Connection refused.") == true)
                for _ in 0..<3 {
                    let response = try await gateway.invoke()
                    #expect(response.status == 503)
                    #expect(response.errorType == "ServiceUnavailable")
                    #expect((response.json["message"] as? String)?.isEmpty == false)
                }
            }
        }

        /// Failover between variants (issue 23): the only backend of one of two weighted variants refuses
        /// connections; every call is still answered, by the other variant, from the first one on.
        @Test func aCallFailsOverToAnotherVariantWhenNoBackendOfItsOwnTakesIt() async throws {
            let refused = try TOML.unreachableURL()
            try await withGateway(backends: [BackendSpec(name: "good")]) { backends in
                TOML.endpoint("demo", "[endpoint.health_check]\ninterval = \"1h\"")
                    + TOML.variant("VariantA", weight: 1, backends: [backends["good"].url])
                    + TOML.variant("VariantB", weight: 1, backends: [refused])
            } _: { gateway, backends in
                for _ in 0..<50 {
                    let response = try await gateway.invoke()
                    #expect(response.status == 200, "\(response.text)")
                    #expect(response.variant == "VariantA")
                }
                #expect(try await backends["good"].invocations() == 50)
                // A call that targets the variant gets its own 503: the client asked for it.
                let targeted = try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "VariantB")])
                #expect(targeted.status == 503)
            }
        }

        /// Passive health: a backend that refuses a connection is down at once, and back within about a second of
        /// returning (health checks of backends that are down run every second).
        @Test func aKilledBackendIsDownAtOnceAndBackSoonAfterItReturns() async throws {
            try await withGateway(backends: [BackendSpec(name: "a")]) { backends in
                TOML.endpoint("demo", "max_retries = 0\n[endpoint.health_check]\ninterval = \"1h\"")
                    + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, backends in
                #expect(try await gateway.invoke().status == 200)
                let port = backends["a"].port
                await backends["a"].stop()
                #expect(try await gateway.invoke().status == 503)
                let state = try await gateway.endpointsState()
                #expect(state.backends["demo"]?["VariantA"]?.first?.healthy == false)
                let restarted = try await DemoBackendProcess.start(name: "a", port: port)
                defer { Task { await restarted.stop() } }
                let back = ContinuousClock.now
                try await eventually("the restarted backend takes requests", interval: .milliseconds(100)) {
                    try await gateway.invoke().status == 200
                }
                #expect(ContinuousClock.now - back < .seconds(10))
            }
        }

        /// A backend outage writes a line every few seconds, not one per request (issue 23): repeated failures of
        /// one backend or endpoint are logged once per interval, with the count held back.
        @Test func anOutageDoesNotFloodTheLog() async throws {
            let refused = try TOML.unreachableURL()
            try await withGateway(backends: []) { _ in
                TOML.endpoint() + TOML.variant("VariantA", backends: [refused])
            } _: { gateway, _ in
                for _ in 0..<50 {
                    let response = try await gateway.invoke()
                    #expect(response.status == 503)
                }
                let lines = gateway.output.split(separator: "\n")
                #expect(lines.filter { $0.contains("Request failed") }.count <= 2)
                #expect(lines.filter { $0.contains("Backend call failed") }.count <= 3)
            }
        }

        /// Failed calls (here timeouts) open the circuit; a refused connection would mark the backend down at once
        /// instead (passive health, above).
        @Test func circuitOpensAfterConsecutiveFailures() async throws {
            let specs = [BackendSpec(name: "good"), BackendSpec(name: "bad", delayMilliseconds: 3000)]
            try await withGateway(backends: specs) { backends in
                TOML.endpoint(
                    "demo",
                    """
                    max_retries = 0
                    timeout = "300ms"
                    [endpoint.circuit_breaker]
                    failure_threshold = 3
                    open_duration = "1h"
                    [endpoint.health_check]
                    interval = "1h"
                    unhealthy_threshold = 5
                    """)
                    + TOML.variant("VariantA", weight: 1, backends: [backends["bad"].url])
                    + TOML.variant("VariantB", weight: 0, backends: [backends["good"].url])
            } _: { gateway, backends in
                let refused = backends["bad"].url
                for attempt in 1...3 {
                    let response = try await gateway.invoke()
                    #expect(response.errorType == "ModelError", "attempt \(attempt): \(response.status)")
                    let circuit = try await gateway.endpointsState().backend(refused, variant: "VariantA")?.circuit
                    #expect(circuit == (attempt < 3 ? "closed" : "open"))
                }
                let state = try await gateway.endpointsState()
                #expect(state.backend(refused, variant: "VariantA")?.healthy == true)
                #expect(state.backend(backends["good"].url, variant: "VariantB")?.circuit == "closed")
                let rejected = try await gateway.invoke()
                #expect(rejected.status == 503)
                #expect(
                    (rejected.json["message"] as? String)?.contains("no production variant with a healthy backend")
                        == true)
                let targeted = try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "VariantA")])
                #expect(targeted.status == 503)
                #expect(targeted.errorType == "ServiceUnavailable")
                #expect(
                    try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "VariantB")]).status == 200)
            }
        }

        @Test func openCircuitLetsAProbeThroughAfterItsDuration() async throws {
            try await withGateway(backends: [BackendSpec(name: "a")]) { backends in
                // The backend's port is closed at first, so its circuit opens; then it comes back.
                TOML.endpoint(
                    "demo",
                    """
                    max_retries = 0
                    [endpoint.circuit_breaker]
                    failure_threshold = 1
                    open_duration = "500ms"
                    [endpoint.health_check]
                    interval = "1h"
                    unhealthy_threshold = 5
                    """)
                    + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, backends in
                await backends["a"].stop()
                let refused = try await gateway.invoke()
                #expect([503, 424].contains(refused.status), "\(refused.text)")
                #expect(
                    try await gateway.endpointsState().backend(backends["a"].url, variant: "VariantA")?.circuit
                        != "closed")
                let revived = try await DemoBackendProcess.start(name: "a2", port: backends["a"].port)
                try await eventually("the probe closes the circuit") {
                    try await gateway.invoke().status == 200
                }
                #expect(
                    try await gateway.endpointsState().backend(backends["a"].url, variant: "VariantA")?.circuit
                        == "closed")
                await revived.stop()
            }
        }

        @Test func malformedRequestsNeverCrashTheGateway() async throws {
            try await withDemoGateway { gateway in
                let oversized = try await HTTP.request(
                    .POST, "\(gateway.url)/endpoints/demo/invocations", headers: [("Content-Type", "text/csv")],
                    body: Array(repeating: UInt8(ascii: "1"), count: 6 * 1024 * 1024 + 1))
                #expect(oversized.status == 400)
                #expect(oversized.errorType == "ValidationError")
                let empty = try await HTTP.request(.POST, "\(gateway.url)/endpoints/demo/invocations", body: [])
                #expect(empty.status == 400)
                let unknown = try await gateway.invoke("nope")
                #expect(unknown.status == 400)
                #expect(unknown.json["message"] as? String == "Endpoint nope of account 000000000000 not found.")
                let route = try await HTTP.request(.GET, "\(gateway.url)/endpoints")
                #expect(route.status == 404)
                #expect(route.errorType == "UnknownOperationException")
                let async = try await HTTP.request(
                    .POST, "\(gateway.url)/endpoints/demo/async-invocations",
                    headers: [("X-Amzn-SageMaker-InputLocation", "s3://bucket/input.csv")], body: [])
                #expect(async.status == 400)
                #expect(async.errorType == "ValidationError")
                #expect((async.json["message"] as? String)?.contains("[async]") == true)
                let attributes = try await gateway.invoke(
                    headers: [("X-Amzn-SageMaker-Custom-Attributes", String(repeating: "x", count: 1025))])
                #expect(attributes.status == 400)
                #expect(try await gateway.invoke().status == 200)
            }
        }
    }
}
