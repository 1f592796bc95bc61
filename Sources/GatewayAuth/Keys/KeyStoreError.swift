import PostgresState

/// Why a key store operation failed.
public struct KeyStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Category of the failure (maps to an HTTP status on the admin API).
    public enum Kind: String, Sendable {
        /// No key with that ID (404).
        case notFound
        /// A malformed option such as a rate, quota or expiry (400).
        case invalidArgument
        /// A SigV4 key was created or used but no master key is configured.
        case masterKeyMissing
        /// The configured master key is not base64 of 32 bytes, or its file cannot be read.
        case masterKeyInvalid
        /// A stored secret does not decrypt under the configured master key.
        case masterKeyMismatch
        /// The database failed.
        case database
        /// The shared state store cannot be reached (503 on the admin API; the gateway keeps its last state).
        case unavailable
    }

    /// Category.
    public var kind: Kind
    /// What went wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }

    /// The key store's form of a state store failure.
    init(_ error: PostgresStateError) {
        self.init(kind: error.kind == .unavailable ? .unavailable : .database, message: error.message)
    }

    static func notFound(_ id: String) -> KeyStoreError {
        KeyStoreError(kind: .notFound, message: "no API key with ID '\(id)'")
    }

    static func invalidArgument(_ message: String) -> KeyStoreError {
        KeyStoreError(kind: .invalidArgument, message: message)
    }

    static func database(_ error: any Error) -> KeyStoreError {
        KeyStoreError(kind: .database, message: "key database error: \(error)")
    }

    static let masterKeyMissing = KeyStoreError(
        kind: .masterKeyMissing,
        message:
            "SigV4 keys need a master key: set \(MasterKey.environmentVariable) to base64 of 32 random bytes (openssl rand -base64 32) or name a file holding it in the configuration"
    )
}
