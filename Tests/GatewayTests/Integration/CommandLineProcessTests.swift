import Foundation
import TestSupport
import Testing

extension ProcessTests {
    @Suite("Command line")
    struct CommandLine {
        private static let valid = """
            [[endpoint]]
            name = "demo"

            [[endpoint.variant]]
            name = "VariantA"
            backends = ["http://127.0.0.1:9001"]

            [[endpoint.variant]]
            name = "VariantB"
            weight = WEIGHT
            backends = ["http://127.0.0.1:9002"]
            """

        /// Writes `text` as `gateway.conf` in a fresh directory and runs `mlgateway` with `arguments` (the file path is
        /// appended after `--config`).
        private func run(_ text: String, _ arguments: [String]) async throws -> (ChildProcess.Outcome, String) {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "mlgw-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("gateway.conf")
            try Data(text.utf8).write(to: file)
            let outcome = try await ChildProcess.run(
                BuiltProducts.path("mlgateway"), arguments + ["--config", file.path], currentDirectory: directory)
            return (outcome, file.path)
        }

        @Test func checkAcceptsAValidFile() async throws {
            let (outcome, path) = try await run(
                Self.valid.replacingOccurrences(of: "WEIGHT", with: "2"), ["serve", "--check"])
            #expect(outcome.status == 0)
            #expect(outcome.output.contains("\(path): OK (1 endpoint)"))
        }

        @Test func checkRejectsABadWeightWithFileLineAndKey() async throws {
            let (outcome, path) = try await run(
                Self.valid.replacingOccurrences(of: "WEIGHT", with: "\"heavy\""), ["serve", "--check"])
            #expect(outcome.status != 0)
            #expect(outcome.output.contains("\(path):10: endpoint[0].variant[1].weight: must be a number"))
        }

        @Test func checkRejectsATOMLSyntaxErrorWithItsLine() async throws {
            let (outcome, path) = try await run(
                Self.valid.replacingOccurrences(of: "WEIGHT", with: "1\nbackends = [\"unterminated"),
                ["serve", "--check"])
            #expect(outcome.status != 0)
            #expect(outcome.output.contains("\(path):11:"))
            #expect(outcome.output.contains("TOML syntax error"))
        }

        @Test func checkRejectsAnUnknownKey() async throws {
            let (outcome, path) = try await run(
                Self.valid.replacingOccurrences(of: "WEIGHT", with: "1\nwieght = 2"), ["serve", "--check"])
            #expect(outcome.status != 0)
            #expect(outcome.output.contains("\(path):11: endpoint[0].variant[1].wieght: unknown key"))
        }

        /// toml++ aborted the process on a table header that cannot start a key (found by fuzzing, issue 23).
        @Test(arguments: ["[#]", "[=", "[\u{01}x]"])
        func checkRejectsATableHeaderThatCannotStartAKey(header: String) async throws {
            let (outcome, path) = try await run(
                Self.valid.replacingOccurrences(of: "WEIGHT", with: "1\n\(header)"), ["serve", "--check"])
            // A configuration error's exit status, not an abort's.
            #expect(outcome.status == 2, "\(outcome.output)")
            #expect(outcome.output.contains("\(path):11: TOML syntax error: a table header must start with a key"))
        }

        /// A zero timeout would fail every call it bounds (issue 23 item 9).
        @Test(arguments: ["timeout", "connect_timeout"])
        func checkRejectsAZeroTimeout(key: String) async throws {
            let (outcome, path) = try await run(
                Self.valid.replacingOccurrences(of: "WEIGHT", with: "1")
                    .replacingOccurrences(of: "name = \"demo\"", with: "name = \"demo\"\n\(key) = \"0s\""),
                ["serve", "--check"])
            #expect(outcome.status != 0)
            #expect(outcome.output.contains("\(path):3: endpoint[0].\(key)"), "\(outcome.output)")
        }

        /// A template whose text is over the render output limit could never render: `serve --check` says so
        /// instead of every request failing with 500 (issue 23 item 9).
        @Test func checkRejectsATemplateLargerThanTheRenderLimit() async throws {
            let templates = try TemporaryDirectory()
            let template = try templates.write("big.vtl", String(repeating: "x", count: 5 << 20))
            let (outcome, _) = try await run(
                Self.valid.replacingOccurrences(of: "WEIGHT", with: "1").replacingOccurrences(
                    of: "[[endpoint.variant]]\nname = \"VariantA\"",
                    with: "[[endpoint.request_template]]\ncontent_type = \"text/csv\"\nfile = \"\(template)\"\n\n"
                        + "[[endpoint.variant]]\nname = \"VariantA\""),
                ["serve", "--check"])
            #expect(outcome.status != 0)
            #expect(outcome.output.contains("over the render output limit"), "\(outcome.output)")
        }

        @Test func serveRefusesToStartWithABadFile() async throws {
            let (outcome, path) = try await run(Self.valid.replacingOccurrences(of: "WEIGHT", with: "-3"), ["serve"])
            #expect(outcome.status != 0)
            #expect(outcome.output.contains("\(path):10: endpoint[0].variant[1].weight"))
        }

        @Test func missingFileIsReported() async throws {
            let outcome = try await ChildProcess.run(
                BuiltProducts.path("mlgateway"), ["serve", "--check", "--config", "/nonexistent/gateway.conf"])
            #expect(outcome.status != 0)
            #expect(outcome.output.contains("/nonexistent/gateway.conf"))
        }

        @Test func repositoryGatewayConfPassesTheCheck() async throws {
            let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
                .deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent()
            let outcome = try await ChildProcess.run(
                BuiltProducts.path("mlgateway"),
                ["serve", "--check", "--config", root.appendingPathComponent("gateway.conf").path])
            #expect(outcome.status == 0, "\(outcome.output)")
        }
    }
}
