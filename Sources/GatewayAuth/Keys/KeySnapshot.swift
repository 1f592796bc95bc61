/// All keys as the request path sees them: loaded from SQLite once per change, then only read from memory.
struct KeySnapshot: Sendable {
    /// One key with what is needed to check its credentials.
    struct Entry: Sendable {
        var info: APIKeyInfo
        var salt: [UInt8]
        var hash: [UInt8]
        /// Decrypted SigV4 secret, or why it is unavailable; `nil` for keys without SigV4 credentials.
        var secretAccessKey: Result<String, KeyStoreError>?
    }

    /// Value of the store's change counter when loaded.
    var revision: Int64
    /// Keys by ID.
    var keys: [String: Entry]
    /// Key IDs by SigV4 access key ID.
    var accessKeys: [String: String]

    static let empty = KeySnapshot(revision: -1, keys: [:], accessKeys: [:])
}
