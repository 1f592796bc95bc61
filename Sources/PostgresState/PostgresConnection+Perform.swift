import Logging
import PostgresNIO

extension PostgresConnection {
    /// Logs nothing: the state store logs its failures once, with context, where it handles them.
    private static let quiet = Logger(label: "mlgateway.state", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `query` (its interpolations are bound parameters) with postgres-nio's async API.
    @discardableResult
    public func perform(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await self.query(query, logger: Self.quiet)
    }
}
