import Foundation
import Synchronization
import Testing

extension ProcessTests {
    @Suite("Reload")
    struct Reload {
        static func config(_ backends: Backends, weightA: Double = 1, weightB: Double = 1) -> String {
            TOML.endpoint() + TOML.variant("VariantA", weight: weightA, backends: [backends["a"].url])
                + TOML.variant("VariantB", weight: weightB, backends: [backends["b"].url])
        }

        /// The configuration with a non-numeric weight for VariantB, and the file line of that weight.
        static func invalid(_ gateway: GatewayProcess, _ backends: Backends) throws -> (body: String, line: Int) {
            let body = config(backends).replacingOccurrences(
                of: "weight = 1.0\nbackends = [\"\(backends["b"].url)\"]",
                with: "weight = \"heavy\"\nbackends = [\"\(backends["b"].url)\"]")
            let lines = (gateway.serverTable + body).split(separator: "\n", omittingEmptySubsequences: false)
            let index = try #require(lines.firstIndex { $0.contains("\"heavy\"") })
            return (body, index + 1)
        }

        private static let two = [BackendSpec(name: "a"), BackendSpec(name: "b")]

        private func variantsServing(_ gateway: GatewayProcess, calls: Int = 40) async throws -> Set<String> {
            var seen = Set<String>()
            for _ in 0..<calls {
                let response = try await gateway.invoke()
                #expect(response.status == 200)
                if let variant = response.variant { seen.insert(variant) }
            }
            return seen
        }

        @Test func sighupAppliesAChangedConfiguration() async throws {
            try await withGateway(backends: Self.two, config: { Self.config($0) }) { gateway, backends in
                #expect(try await variantsServing(gateway) == ["VariantA", "VariantB"])
                try gateway.rewrite(Self.config(backends, weightA: 0, weightB: 1))
                gateway.send(SIGHUP)
                try await eventually("generation 2 is in force") { try await gateway.endpointsState().generation == 2 }
                #expect(try await variantsServing(gateway) == ["VariantB"])
                #expect(gateway.output.contains("Configuration reloaded"))
            }
        }

        @Test func sighupWithAnInvalidFileKeepsTheOldConfiguration() async throws {
            try await withGateway(backends: Self.two, config: { Self.config($0) }) { gateway, backends in
                let (body, line) = try Self.invalid(gateway, backends)
                try gateway.rewrite(body)
                gateway.send(SIGHUP)
                try await eventually("the reload is rejected in the log") {
                    gateway.output.contains("Configuration reload rejected")
                }
                #expect(
                    gateway.output.contains("gateway.conf:\(line): endpoint[0].variant[1].weight: must be a number"))
                #expect(try await gateway.endpointsState().generation == 1)
                #expect(try await variantsServing(gateway) == ["VariantA", "VariantB"])
                try gateway.rewrite(Self.config(backends, weightA: 1, weightB: 0))
                gateway.send(SIGHUP)
                try await eventually("a later valid file is taken") {
                    try await gateway.endpointsState().generation == 2
                }
                #expect(try await variantsServing(gateway) == ["VariantA"])
            }
        }

        @Test func adminReloadAppliesOrRejects() async throws {
            try await withGateway(backends: Self.two, config: { Self.config($0) }) { gateway, backends in
                try gateway.rewrite(Self.config(backends, weightA: 1, weightB: 0))
                let accepted = try await HTTP.request(.POST, "\(gateway.adminURL)/admin/reload")
                #expect(accepted.status == 200)
                #expect(accepted.json["status"] as? String == "reloaded")
                #expect(accepted.json["generation"] as? Int == 2)
                #expect(try await variantsServing(gateway) == ["VariantA"])

                let (body, line) = try Self.invalid(gateway, backends)
                try gateway.rewrite(body)
                let rejected = try await HTTP.request(.POST, "\(gateway.adminURL)/admin/reload")
                #expect(rejected.status == 400)
                #expect(rejected.errorType == "InvalidConfiguration")
                let message = try #require(rejected.json["message"] as? String)
                #expect(message.contains("gateway.conf:\(line): endpoint[0].variant[1].weight"))
                #expect(try await gateway.endpointsState().generation == 2)
                #expect(try await variantsServing(gateway) == ["VariantA"])
            }
        }

        @Test func reloadCanAddAnEndpointAndAVariant() async throws {
            try await withGateway(backends: Self.two, config: { Self.config($0, weightB: 0) }) { gateway, backends in
                #expect(try await gateway.invoke("second").status == 400)
                let body =
                    Self.config(backends) + TOML.variant("VariantC", weight: 0, backends: [backends["a"].url])
                    + TOML.endpoint("second") + TOML.variant("Only", backends: [backends["b"].url])
                try gateway.rewrite(body)
                #expect(try await HTTP.request(.POST, "\(gateway.adminURL)/admin/reload").status == 200)
                let second = try await gateway.invoke("second")
                #expect(second.status == 200)
                #expect(second.variant == "Only")
                let targeted = try await gateway.invoke(headers: [("X-Amzn-SageMaker-Target-Variant", "VariantC")])
                #expect(targeted.variant == "VariantC")
            }
        }

        @Test func reloadingTenTimesUnderLoadFailsNoRequest() async throws {
            let specs = [BackendSpec(name: "a", delayMilliseconds: 5), BackendSpec(name: "b", delayMilliseconds: 5)]
            try await withGateway(backends: specs, config: { Self.config($0) }) { gateway, backends in
                let load = LoadTally()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    defer { load.stop.store(true, ordering: .relaxed) }
                    for worker in 0..<8 {
                        group.addTask {
                            while !load.stop.load(ordering: .relaxed) {
                                do {
                                    let response = try await gateway.invoke(body: "\(worker),1,2")
                                    if response.status == 200 {
                                        load.succeeded.add(1, ordering: .relaxed)
                                    } else {
                                        load.failures.withLock { $0.append("\(response.status) \(response.text)") }
                                    }
                                } catch {
                                    load.failures.withLock { $0.append("\(error)") }
                                }
                            }
                        }
                    }
                    try await eventually("traffic flows") { load.succeeded.load(ordering: .relaxed) > 20 }
                    for reload in 1...10 {
                        let weights: (Double, Double) = reload % 2 == 0 ? (1, 1) : (1, 0)
                        var body = Self.config(backends, weightA: weights.0, weightB: weights.1)
                        if reload % 3 == 0 {
                            body += TOML.variant("VariantC", weight: 1, backends: [backends["a"].url])
                        }
                        try gateway.rewrite(body)
                        if reload % 2 == 0 {
                            gateway.send(SIGHUP)
                        } else {
                            let response = try await HTTP.request(.POST, "\(gateway.adminURL)/admin/reload")
                            #expect(response.status == 200)
                        }
                        try await eventually("generation \(reload + 1) is in force") {
                            try await gateway.endpointsState().generation == reload + 1
                        }
                        let before = load.succeeded.load(ordering: .relaxed)
                        try await eventually("requests flow after reload \(reload)") {
                            load.succeeded.load(ordering: .relaxed) > before + 5
                        }
                    }
                    load.stop.store(true, ordering: .relaxed)
                    try await group.waitForAll()
                }
                let failed = load.failures.withLock { $0 }
                #expect(failed.isEmpty, "\(failed.count) failed requests, e.g. \(failed.prefix(3))")
                #expect(load.succeeded.load(ordering: .relaxed) > 100)
            }
        }
    }
}

/// Outcomes of a load loop shared by its workers.
final class LoadTally: Sendable {
    let stop = Atomic(false)
    let succeeded = Atomic(0)
    let failures = Mutex<[String]>([])
}
