import Foundation
import GatewayAuth
import TestSupport
import Testing

extension ProcessTests {
    /// `mlgateway keys …` against a configuration file, without a running gateway.
    @Suite("Keys command")
    struct KeysCommand {
        /// A configuration in a fresh directory; `masterKey` writes a key file named by `[auth]`.
        private struct Setup {
            let directory: URL
            let config: URL

            init(masterKey: Bool) throws {
                directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                    "mlgw-keys-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                var text = ""
                if masterKey {
                    try Data(MasterKey.random().base64.utf8).write(to: directory.appendingPathComponent("master.key"))
                    text += "[auth]\nmaster_key_file = \"master.key\"\n"
                }
                text += TOML.endpoint("demo", "auth = \"any\"") + TOML.variant("A", backends: ["http://127.0.0.1:9"])
                config = directory.appendingPathComponent("gateway.conf")
                try Data(text.utf8).write(to: config)
            }

            func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> ChildProcess.Outcome {
                try await ChildProcess.run(
                    BuiltProducts.path("mlgateway"), ["keys"] + arguments + ["--config", config.path],
                    environment: environment, currentDirectory: directory)
            }

            func remove() { try? FileManager.default.removeItem(at: directory) }
        }

        @Test func createPrintsExactlyTheSecretsAsJSON() async throws {
            let setup = try Setup(masterKey: true)
            defer { setup.remove() }
            let plain = try NewKey(json: try await setup.run(["create", "--name", "plain", "--output", "json"]).output)
            #expect(plain.fields == ["id", "name", "apiKey"])
            #expect(plain.name == "plain")
            #expect(plain.apiKey.hasPrefix("mlgw_\(plain.id)_"))
            let sigV4 = try NewKey(
                json: try await setup.run(["create", "--name", "aws", "--sigv4", "--output", "json"]).output)
            #expect(sigV4.fields == ["id", "name", "apiKey", "accessKeyId", "secretAccessKey"])
        }

        @Test func createPrintsTextWithAWarning() async throws {
            let setup = try Setup(masterKey: true)
            defer { setup.remove() }
            let outcome = try await setup.run(["create", "--name", "team-a", "--sigv4", "--rate", "10/s"])
            #expect(outcome.status == 0)
            #expect(outcome.output.contains("API key:           mlgw_"))
            #expect(outcome.output.contains("Access key ID:"))
            #expect(outcome.output.contains("Secret access key:"))
            #expect(outcome.output.contains("cannot be shown again"))
        }

        @Test func listAndShowNeverPrintSecrets() async throws {
            let setup = try Setup(masterKey: true)
            defer { setup.remove() }
            let key = try NewKey(
                json: try await setup.run([
                    "create", "--name", "team-b", "--sigv4", "--endpoints", "demo", "--rate", "100/s", "--burst", "150",
                    "--quota", "1000000/month", "--expires", "2099-01-01", "--output", "json",
                ]).output)
            let list = try await setup.run(["list"])
            #expect(list.status == 0)
            #expect(list.output.contains(key.id))
            #expect(list.output.contains("team-b"))
            #expect(list.output.contains("100/s burst 150"))
            #expect(list.output.contains("1000000/month"))
            let json = try await setup.run(["list", "--output", "json"])
            let array = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
            #expect(array.count == 1)
            #expect(array.first?["status"] as? String == "active")
            #expect(array.first?["expiresAt"] as? String == "2099-01-01T00:00:00Z")
            let show = try await setup.run(["show", key.id])
            #expect(show.output.contains("Status:     active"))
            #expect(show.output.contains("Endpoints:  demo"))
            for output in [list.output, json.output, show.output] {
                #expect(!output.contains(key.apiKey))
                #expect(!output.contains(try #require(key.secretAccessKey)))
            }
            let revoke = try await setup.run(["revoke", key.id])
            #expect(revoke.status == 0)
            #expect(revoke.output.contains("Status:     revoked"))
        }

        @Test func errorsExitOneWithAMessage() async throws {
            let setup = try Setup(masterKey: true)
            defer { setup.remove() }
            let cases: [([String], String)] = [
                (["show", "nope12345678"], "no API key with ID 'nope12345678'"),
                (["revoke", "nope12345678"], "no API key with ID 'nope12345678'"),
                (["create", "--name", "x", "--rate", "fast"], "rate 'fast' must look like 100/s"),
                (["create", "--name", "x", "--quota", "5/week"], "quota '5/week' must be per day or per month"),
                (["create", "--name", "x", "--expires", "soon"], "expiry 'soon' must be a date"),
                (["create", "--name", "x", "--endpoints", "nope"], "no endpoint named 'nope'"),
            ]
            for (arguments, message) in cases {
                let outcome = try await setup.run(arguments)
                #expect(outcome.status == 1, "\(arguments)")
                #expect(outcome.output.contains(message), "\(arguments): \(outcome.output)")
            }
        }

        @Test func sigV4KeysNeedAMasterKey() async throws {
            let setup = try Setup(masterKey: false)
            defer { setup.remove() }
            let refused = try await setup.run(["create", "--name", "aws", "--sigv4"], environment: [:])
            #expect(refused.status == 1)
            #expect(refused.output.contains("openssl rand -base64 32"))
            #expect(try await setup.run(["create", "--name", "plain"], environment: [:]).status == 0)
            let fromEnvironment = try await setup.run(
                ["create", "--name", "aws", "--sigv4", "--output", "json"],
                environment: ["MLGATEWAY_MASTER_KEY": MasterKey.random().base64])
            #expect(fromEnvironment.status == 0, "\(fromEnvironment.output)")
            #expect(try NewKey(json: fromEnvironment.output).secretAccessKey != nil)
        }
    }
}
