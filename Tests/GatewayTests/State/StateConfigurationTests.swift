import Foundation
import PostgresState
import Testing

@testable import InvocationCore

/// `[state]`: where keys and templates live (PostgreSQL replicas are tested with three gateway processes and a real
/// server in `Tests/python/test_fleet_state.py`).
@Suite("State store configuration")
struct StateConfigurationTests {
    static let endpoint =
        "\n[[endpoint]]\nname = \"e\"\n[[endpoint.variant]]\nname = \"V\"\nbackends = [\"http://127.0.0.1:1\"]\n"

    @Test func absentKeepsSQLiteAndPresentNamesPostgres() throws {
        #expect(try TestConfigurations.parse(Self.endpoint).state == nil)
        let state = try #require(
            try TestConfigurations.parse(
                "[state]\npostgres = \"postgres://gw:pw@10.0.0.7:5433/fleet?sslmode=disable\"\n" + Self.endpoint
            ).state)
        #expect(state.postgres.host == "10.0.0.7" && state.postgres.port == 5433 && state.postgres.database == "fleet")
        #expect(state.postgres.sslMode == .disable)
    }

    @Test func errorsNameTheKey() {
        for (table, key) in [
            ("[state]\n", "state.postgres"),
            ("[state]\npostgres = \"mysql://x@y/z\"\n", "state.postgres"),
            ("[state]\npostgres = \"postgres://x@y/z\"\nsqlite = \"x\"\n", "state.sqlite"),
        ] {
            #expect(TestConfigurations.error(table + Self.endpoint)?.key == key, "\(table)")
        }
    }

    @Test func aRuntimeWithoutStateHasNoStateStore() throws {
        let runtime = try GatewayRuntime(
            configuration: try TestConfigurations.parse(Self.endpoint), features: nil,
            logger: .init(label: "test"))
        #expect(runtime.stateStore == nil && runtime.templates.stateStore == nil)
    }
}
