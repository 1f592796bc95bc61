import Foundation
import GRDB
import PostgresState

/// API keys and SigV4 credentials: in SQLite (the gateway's `<state_dir>/mlgateway.sqlite`), or in PostgreSQL when
/// replicas share them (`[state] postgres`, ``init(postgres:masterKey:)``).
///
/// API keys are stored only as a salted SHA-256; SigV4 secrets are stored AES-GCM encrypted under the
/// ``MasterKey``. Every write bumps a revision counter in the same transaction, which ``Authenticator`` polls (and,
/// on PostgreSQL, is notified of) to reload its in-memory snapshot, so changes made by another process (the CLI,
/// another replica) take effect within a second. The tables are named `api_key*`; the database may hold others.
public final class KeyStore: Sendable {
    /// Where the keys are kept.
    enum Storage: Sendable {
        case sqlite(DatabasePool)
        case postgres(PostgresStateStore)
    }

    let storage: Storage
    let masterKey: MasterKey?

    /// File name of the database inside the state directory.
    public static let fileName = "mlgateway.sqlite"
    /// The state store topic of key changes.
    public static let topic = "api_key"

    /// Opens `<stateDirectory>/mlgateway.sqlite`, creating the directory and the database if needed.
    public convenience init(stateDirectory: URL, masterKey: MasterKey? = nil) throws(KeyStoreError) {
        try self.init(path: stateDirectory.appendingPathComponent(Self.fileName).path, masterKey: masterKey)
    }

    /// Opens (creating if needed) the database at `path` and migrates the key tables.
    ///
    /// A new database file is made readable by its owner only.
    public init(path: String, masterKey: MasterKey? = nil) throws(KeyStoreError) {
        self.masterKey = masterKey
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            FileManager.default.createOwnerOnlyFileIfMissing(atPath: path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.label = "mlgateway.keys"
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            storage = .sqlite(pool)
        } catch {
            throw .database(error)
        }
    }

    /// Keeps the keys in the shared state store; its tables are migrated on first use.
    public init(postgres: PostgresStateStore, masterKey: MasterKey? = nil) {
        self.masterKey = masterKey
        storage = .postgres(postgres)
    }

    /// Creates a key and returns it with its secrets, which are not retrievable later.
    ///
    /// - Parameters:
    ///   - endpoints: Endpoints the key may invoke; empty allows all.
    ///   - sigV4: Also create an access key ID and secret access key (needs a master key).
    public func create(
        name: String, endpoints: [String] = [], expiresAt: Date? = nil, rateLimit: RateLimit? = nil,
        quota: Quota? = nil, sigV4: Bool = false, now: Date = Date()
    ) async throws(KeyStoreError) -> CreatedKey {
        guard !name.isEmpty else { throw .invalidArgument("a key needs a name") }
        if let rateLimit, !(rateLimit.perSecond > 0 && rateLimit.perSecond.isFinite && rateLimit.burst >= 1) {
            throw .invalidArgument("a rate limit needs a positive rate and a burst of at least 1")
        }
        if let quota, quota.limit < 1 { throw .invalidArgument("a quota needs a limit of at least 1") }
        let id = KeyGenerator.makeID()
        let secrets = try makeSecrets(id: id, sigV4: sigV4)
        let row = KeyRow(
            info: APIKeyInfo(
                id: id, name: name, endpoints: endpoints, createdAt: now, expiresAt: expiresAt, revokedAt: nil,
                rotatedAt: nil, rateLimit: rateLimit, quota: quota, accessKeyID: secrets.accessKeyID),
            salt: secrets.salt, hash: secrets.hash, sealed: secrets.sealed)
        switch storage {
        case .sqlite(let pool):
            try Self.write(pool) { db in try Self.insert(row, db) }
        case .postgres(let store):
            try await Self.postgres(store) { connection in try await Self.insert(row, connection) }
        }
        return secrets.created(id: id, name: name)
    }

    /// All keys, oldest first.
    public func list() async throws(KeyStoreError) -> [APIKeyInfo] {
        switch storage {
        case .sqlite(let pool):
            return try Self.read(pool) { db in try Self.rows(db).map(\.info) }
        case .postgres(let store):
            return try await Self.postgres(store, write: false) { connection in
                try await Self.rows(connection).map(\.info)
            }
        }
    }

    /// The key with `id`.
    public func show(id: String) async throws(KeyStoreError) -> APIKeyInfo {
        let row: KeyRow?
        switch storage {
        case .sqlite(let pool):
            row = try Self.read(pool) { db in try Self.rows(db, id: id).first }
        case .postgres(let store):
            row = try await Self.postgres(store, write: false) { connection in
                try await Self.rows(connection, id: id).first
            }
        }
        guard let row else { throw .notFound(id) }
        return row.info
    }

    /// Revokes the key with `id` for good; revoking again keeps the first revocation time.
    @discardableResult
    public func revoke(id: String, now: Date = Date()) async throws(KeyStoreError) -> APIKeyInfo {
        let found: Bool
        switch storage {
        case .sqlite(let pool):
            found = try Self.write(pool) { db in
                try db.execute(
                    sql: "UPDATE api_key SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                    arguments: [now.timeIntervalSince1970, id])
                return db.changesCount > 0
            }
        case .postgres(let store):
            found = try await Self.postgres(store) { connection in
                try await Self.revoke(id: id, at: now, connection)
            }
        }
        guard found else { throw .notFound(id) }
        return try await show(id: id)
    }

    /// Replaces the secrets of the key with `id` (the old API key and secret access key stop working at once);
    /// the key ID and access key ID stay.
    public func rotate(id: String, now: Date = Date()) async throws(KeyStoreError) -> CreatedKey {
        let current = try await show(id: id)
        guard current.revokedAt == nil else { throw .invalidArgument("key '\(id)' is revoked and cannot be rotated") }
        let secrets = try makeSecrets(id: id, sigV4: current.accessKeyID != nil, accessKeyID: current.accessKeyID)
        let found: Bool
        switch storage {
        case .sqlite(let pool):
            found = try Self.write(pool) { db in
                try db.execute(
                    sql: """
                        UPDATE api_key SET secret_salt = ?, secret_hash = ?, sealed_secret = ?, rotated_at = ?
                        WHERE id = ? AND revoked_at IS NULL
                        """,
                    arguments: [
                        Data(secrets.salt), Data(secrets.hash), secrets.sealed.map { Data($0) },
                        now.timeIntervalSince1970, id,
                    ])
                return db.changesCount > 0
            }
        case .postgres(let store):
            found = try await Self.postgres(store) { connection in
                try await Self.rotate(
                    id: id, salt: secrets.salt, hash: secrets.hash, sealed: secrets.sealed, at: now, connection)
            }
        }
        guard found else { throw .notFound(id) }
        return secrets.created(id: id, name: current.name)
    }

    /// The change counter, bumped by every write.
    func revision() async throws(KeyStoreError) -> Int64 {
        switch storage {
        case .sqlite(let pool):
            do {
                return try await pool.read { db in try Self.fetchRevision(db) }
            } catch {
                throw .database(error)
            }
        case .postgres(let store):
            return try await Self.postgres(store, write: false) { connection in
                try await PostgresStateStore.revision(Self.topic, on: connection)
            }
        }
    }

    /// Loads every key and decrypts SigV4 secrets (a secret that does not decrypt is kept as its error).
    func snapshot() async throws(KeyStoreError) -> KeySnapshot {
        let revision: Int64
        let rows: [KeyRow]
        switch storage {
        case .sqlite(let pool):
            (revision, rows) = try Self.read(pool) { db in (try Self.fetchRevision(db), try Self.rows(db)) }
        case .postgres(let store):
            (revision, rows) = try await Self.postgres(store, write: false) { connection in
                (try await PostgresStateStore.revision(Self.topic, on: connection), try await Self.rows(connection))
            }
        }
        var snapshot = KeySnapshot(revision: revision, keys: [:], accessKeys: [:])
        for row in rows {
            var secret: Result<String, KeyStoreError>?
            if let accessKeyID = row.info.accessKeyID {
                secret = Result { () throws(KeyStoreError) -> String in
                    guard let masterKey else { throw .masterKeyMissing }
                    let plain = try masterKey.open(row.sealed ?? [], context: Self.sealContext(accessKeyID))
                    return String(decoding: plain, as: UTF8.self)
                }
                snapshot.accessKeys[accessKeyID] = row.info.id
            }
            snapshot.keys[row.info.id] = KeySnapshot.Entry(
                info: row.info, salt: row.salt, hash: row.hash, secretAccessKey: secret)
        }
        return snapshot
    }
}

/// One stored key: its description and credentials as stored.
struct KeyRow: Sendable {
    var info: APIKeyInfo
    var salt: [UInt8]
    var hash: [UInt8]
    /// The sealed SigV4 secret, for keys with SigV4 credentials.
    var sealed: [UInt8]?
}

extension KeyStore {
    private struct Secrets {
        var apiKey: String
        var salt: [UInt8]
        var hash: [UInt8]
        var accessKeyID: String?
        var secretAccessKey: String?
        var sealed: [UInt8]?

        func created(id: String, name: String) -> CreatedKey {
            CreatedKey(
                id: id, name: name, apiKey: apiKey, accessKeyID: accessKeyID, secretAccessKey: secretAccessKey)
        }
    }

    private func makeSecrets(id: String, sigV4: Bool, accessKeyID: String? = nil) throws(KeyStoreError) -> Secrets {
        let apiKey = KeyGenerator.makeAPIKey(id: id)
        let salt = KeyGenerator.makeSalt()
        var secrets = Secrets(
            apiKey: apiKey, salt: salt, hash: KeyGenerator.hash(apiKey: apiKey, salt: salt))
        if sigV4 {
            guard let masterKey else { throw .masterKeyMissing }
            let accessKeyID = accessKeyID ?? KeyGenerator.makeAccessKeyID()
            let secretAccessKey = KeyGenerator.makeSecretAccessKey()
            secrets.accessKeyID = accessKeyID
            secrets.secretAccessKey = secretAccessKey
            secrets.sealed = try masterKey.seal(Array(secretAccessKey.utf8), context: Self.sealContext(accessKeyID))
        }
        return secrets
    }

    /// Authenticated data binding a sealed secret to its access key ID.
    static func sealContext(_ accessKeyID: String) -> String { "mlgateway api_key \(accessKeyID)" }
}
