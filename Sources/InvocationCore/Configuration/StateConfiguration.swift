import PostgresState

/// Where the state a fleet shares lives (`[state]`): API keys, template versions and their audit log. Absent, they
/// stay in SQLite in `state_dir` (single-process mode); with `postgres`, every replica reads and writes one
/// PostgreSQL database and learns of changes within a second (ADR 0048).
public struct StateConfiguration: Sendable, Equatable {
    /// The PostgreSQL database (`postgres = "postgres://user:password@host:port/database"`).
    public var postgres: PostgresLocation

    /// Creates a configuration.
    public init(postgres: PostgresLocation) {
        self.postgres = postgres
    }
}

extension StateConfiguration {
    /// Reads `[state]`.
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        let text = try table.requiredString("postgres")
        do {
            self.init(postgres: try PostgresLocation(url: text))
        } catch {
            throw table.error("postgres", error.description)
        }
    }
}
