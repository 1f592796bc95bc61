import PostgresNIO

/// Why a state store operation failed.
public struct PostgresStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Category of the failure.
    public enum Kind: String, Sendable {
        /// The server cannot be reached or did not answer in time: the admin API answers 503, the gateway keeps
        /// the state it loaded last.
        case unavailable
        /// The server refused a statement (its message says why).
        case failed
        /// `[state] postgres` is not a usable PostgreSQL URL.
        case configuration
    }

    /// Category.
    public var kind: Kind
    /// What went wrong, for people.
    public var message: String
    /// PostgreSQL's SQLSTATE for ``Kind/failed`` (e.g. `23505` for a unique violation).
    public var sqlState: String?

    /// Creates an error.
    public init(kind: Kind, message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    public var description: String { message }

    /// The error for anything postgres-nio (or a timeout) threw.
    public static func classify(_ error: any Error) -> PostgresStateError {
        if let error = error as? PostgresStateError { return error }
        guard let error = error as? PSQLError else {
            return PostgresStateError(kind: .unavailable, message: "state store unreachable: \(error)")
        }
        // Connection exceptions (08), operator intervention such as a shutdown (57) and insufficient resources (53)
        // mean the server is not usable now, not that the statement is wrong.
        let sqlState = error.serverInfo?[.sqlState] ?? ""
        if error.code == .server, !["08", "53", "57"].contains(String(sqlState.prefix(2))) {
            let message = error.serverInfo?[.message] ?? "statement refused"
            return PostgresStateError(
                kind: .failed, message: "state store refused a statement: \(message)",
                sqlState: error.serverInfo?[.sqlState])
        }
        let reason = error.serverInfo?[.message] ?? "\(error.code)"
        return PostgresStateError(kind: .unavailable, message: "state store unreachable: \(reason)")
    }

    static func timedOut(after timeout: Duration) -> PostgresStateError {
        PostgresStateError(kind: .unavailable, message: "state store did not answer within \(timeout)")
    }
}
