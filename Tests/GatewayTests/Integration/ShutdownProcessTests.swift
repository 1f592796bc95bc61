import Foundation
import Synchronization
import TestSupport
import Testing

extension ProcessTests {
    @Suite("Graceful shutdown")
    struct Shutdown {
        /// Whether the client `/readyz` answers 503 or refuses the connection.
        private static func notReady(_ gateway: GatewayProcess) async -> Bool {
            do {
                return try await HTTP.request(.GET, "\(gateway.url)/readyz", timeout: .seconds(2)).status == 503
            } catch {
                return true
            }
        }

        private func totalOutstanding(_ gateway: GatewayProcess) async throws -> Int {
            try await gateway.endpointsState().backends["demo"]?.values.joined().reduce(0) { $0 + $1.outstanding } ?? 0
        }

        @Test(arguments: ["0s", "1s"])
        func sigtermLetsInFlightRequestsFinishThenExitsZero(shutdownDelay: String) async throws {
            try await withGateway(
                backends: [BackendSpec(name: "slow", delayMilliseconds: 1500)],
                server: "shutdown_delay = \"\(shutdownDelay)\"\ndrain_timeout = \"30s\""
            ) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["slow"].url])
            } _: { gateway, _ in
                try await withThrowingTaskGroup(of: HTTP.Response.self) { group in
                    for _ in 0..<4 {
                        group.addTask { try await gateway.invoke() }
                    }
                    try await eventually("4 requests are in flight") { try await totalOutstanding(gateway) == 4 }
                    gateway.send(SIGTERM)
                    try await eventually("readiness fails", interval: .milliseconds(20)) {
                        await Self.notReady(gateway)
                    }
                    var statuses: [Int] = []
                    for try await response in group { statuses.append(response.status) }
                    #expect(statuses == [200, 200, 200, 200])
                }
                let status = await gateway.child.waitForExit(timeout: .seconds(30))
                #expect(gateway.child.process.terminationReason == .exit)
                #expect(status == 0)
                #expect(gateway.output.contains("Draining"))
                #expect(gateway.output.contains("Gateway stopped"))
            }
        }

        @Test func sigintAlsoShutsDownCleanly() async throws {
            try await withDemoGateway { gateway in
                let response = try await gateway.invoke()
                #expect(response.status == 200)
                gateway.send(SIGINT)
                let status = await gateway.child.waitForExit(timeout: .seconds(30))
                #expect(gateway.child.process.terminationReason == .exit)
                #expect(status == 0)
            }
        }

        @Test func drainTimeoutBoundsTheWait() async throws {
            try await withGateway(
                backends: [BackendSpec(name: "stuck", delayMilliseconds: 120_000)], server: "drain_timeout = \"1s\""
            ) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["stuck"].url])
            } _: { gateway, _ in
                let pending = Task { try? await gateway.invoke(timeout: .seconds(150)) }
                try await eventually("the request is in flight") { try await totalOutstanding(gateway) == 1 }
                gateway.send(SIGTERM)
                await gateway.child.waitForExit(timeout: .seconds(60))
                #expect(gateway.child.process.terminationReason == .exit, "the gateway had to be killed")
                #expect(!gateway.child.process.isRunning)
                pending.cancel()
                _ = await pending.value
            }
        }
    }
}
