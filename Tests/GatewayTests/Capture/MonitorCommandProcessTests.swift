import Foundation
import TestSupport
import Testing

extension ProcessTests {
    @Suite("Drift monitor on captured data")
    struct DriftMonitorCommand {
        /// Rows of three features: `amount` normal around `mean`, `country` one of three with fixed shares, `score`
        /// uniform in 0–10.
        private static func rows(_ count: Int, mean: Double, seed: UInt64) -> [String] {
            var generator = SeededGenerator(seed: seed)
            return (0..<count).map { _ in
                let normal = (-2 * log(1 - generator.unit())).squareRoot() * cos(2 * Double.pi * generator.unit())
                let pick = generator.unit()
                let country = pick < 0.5 ? "FR" : pick < 0.8 ? "DE" : "ES"
                let score = generator.unit() * 10
                return "\(String(format: "%.4f", mean + normal)),\(country),\(String(format: "%.3f", score))"
            }
        }

        private func mlgateway(_ arguments: [String]) async throws -> ChildProcess.Outcome {
            try await ChildProcess.run(BuiltProducts.path("mlgateway"), arguments, timeout: .seconds(120))
        }

        private func json(_ url: URL) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        }

        @Test func aShiftedFeatureIsFlaggedInTheFilesAndTheReport() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent(
                "mlgw-monitor-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let training = work.appendingPathComponent("train.csv")
            try Data((["amount,country,score"] + Self.rows(2000, mean: 0, seed: 1)).joined(separator: "\n").utf8)
                .write(to: training)
            let baseline = work.appendingPathComponent("baseline")
            let baselineRun = try await mlgateway([
                "monitor", "baseline", "--dataset", training.path, "--output", baseline.path,
            ])
            #expect(baselineRun.status == 0, "\(baselineRun.output)")
            #expect(baselineRun.output.contains("2000 rows, 3 features"))
            #expect(FileManager.default.fileExists(atPath: baseline.appendingPathComponent("constraints.json").path))

            let shifted = Self.rows(600, mean: 1.5, seed: 2)
            try await withGateway(backends: [BackendSpec(name: "echo", mode: "echo")]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["echo"].url]) + TOML.capture()
            } _: { gateway, _ in
                #expect(
                    try await gateway.invokeMany(shifted.count, concurrency: 4, body: { shifted[$0] }) == [200: 600])
                try await gateway.terminate()
                let capture = gateway.directory.appendingPathComponent("capture").path
                let output = work.appendingPathComponent("report")

                let run = try await mlgateway([
                    "monitor", "run", "--baseline", baseline.path, "--capture", capture, "--endpoint", "demo",
                    "--output", output.path, "--fail-on-violation",
                ])
                #expect(run.status == 2, "violations fail the run: \(run.output)")
                #expect(run.output.contains("600 records, 600 rows, 0 corrupt lines"))
                #expect(run.output.contains("baseline_drift_check amount"))
                #expect(run.output.contains("progress: 100%"))
                let violations =
                    try json(output.appendingPathComponent("constraint_violations.json"))["violations"]
                    as? [[String: Any]] ?? []
                #expect(
                    violations.map { "\($0["feature_name"] ?? "")/\($0["constraint_check_type"] ?? "")" } == [
                        "amount/baseline_drift_check"
                    ])
                let drift = try json(output.appendingPathComponent("drift.json"))["features"] as? [[String: Any]] ?? []
                let flagged = drift.filter { $0["drift"] as? Bool == true }.compactMap { $0["name"] as? String }
                #expect(flagged == ["amount"])
                let report = try String(contentsOf: output.appendingPathComponent("report.html"), encoding: .utf8)
                #expect(report.contains("<svg") && report.contains("amount") && report.contains("baseline_drift_check"))
                #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("statistics.json").path))

                let lenient = try await mlgateway([
                    "monitor", "run", "--baseline", baseline.path, "--capture", capture, "--output", output.path,
                ])
                #expect(lenient.status == 0, "without --fail-on-violation the run succeeds: \(lenient.output)")

                let future = try await mlgateway([
                    "monitor", "run", "--baseline", baseline.path, "--capture", capture, "--since", "2100-01-01",
                    "--output", output.path, "--fail-on-violation",
                ])
                #expect(future.status == 0, "no records in the window, no violations: \(future.output)")
                #expect(future.output.contains("0 records"))
            }
        }

        @Test func aMissingBaselineIsAClearError() async throws {
            let work = FileManager.default.temporaryDirectory.appendingPathComponent(
                "mlgw-monitor-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: work) }
            let missing = work.appendingPathComponent("no-baseline").path
            let run = try await mlgateway([
                "monitor", "run", "--baseline", missing, "--capture", work.path, "--output",
                work.appendingPathComponent("out").path,
            ])
            #expect(run.status == 1)
            #expect(run.output.hasPrefix("error: ") && run.output.contains(missing), "\(run.output)")
        }

        @Test func aMalformedTimeIsRejectedBeforeReading() async throws {
            let run = try await mlgateway([
                "monitor", "run", "--baseline", "b", "--capture", "c", "--output", "o", "--since", "yesterday",
            ])
            #expect(run.status != 0)
            #expect(run.output.contains("--since yesterday is not a time"))
        }
    }
}
