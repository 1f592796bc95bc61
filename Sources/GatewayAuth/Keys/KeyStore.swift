import Foundation
import GRDB

/// API keys and SigV4 credentials in SQLite (the gateway's `<state_dir>/mlgateway.sqlite`).
///
/// API keys are stored only as a salted SHA-256; SigV4 secrets are stored AES-GCM encrypted under the
/// ``MasterKey``. Every write bumps a revision counter in the same transaction, which ``Authenticator`` polls to
/// reload its in-memory snapshot, so changes made by another process (the CLI) take effect within a second.
/// The tables are named `api_key*`; the database file may hold other tables.
public final class KeyStore: Sendable {
    let pool: DatabasePool
    let masterKey: MasterKey?

    /// File name of the database inside the state directory.
    public static let fileName = "mlgateway.sqlite"

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
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .database(error)
        }
    }

    /// Creates a key and returns it with its secrets, which are not retrievable later.
    ///
    /// - Parameters:
    ///   - endpoints: Endpoints the key may invoke; empty allows all.
    ///   - sigV4: Also create an access key ID and secret access key (needs a master key).
    public func create(
        name: String, endpoints: [String] = [], expiresAt: Date? = nil, rateLimit: RateLimit? = nil,
        quota: Quota? = nil, sigV4: Bool = false, now: Date = Date()
    ) throws(KeyStoreError) -> CreatedKey {
        guard !name.isEmpty else { throw .invalidArgument("a key needs a name") }
        if let rateLimit, !(rateLimit.perSecond > 0 && rateLimit.perSecond.isFinite && rateLimit.burst >= 1) {
            throw .invalidArgument("a rate limit needs a positive rate and a burst of at least 1")
        }
        if let quota, quota.limit < 1 { throw .invalidArgument("a quota needs a limit of at least 1") }
        let id = KeyGenerator.makeID()
        let secrets = try makeSecrets(id: id, sigV4: sigV4)
        let endpointsText = endpoints.joined(separator: "\n")
        try write { db in
            try db.execute(
                sql: """
                    INSERT INTO api_key (id, name, endpoints, created_at, expires_at, rate_per_second, burst,
                        quota_limit, quota_period, secret_salt, secret_hash, access_key_id, sealed_secret)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id, name, endpointsText, now.timeIntervalSince1970, expiresAt?.timeIntervalSince1970,
                    rateLimit?.perSecond, rateLimit?.burst, quota?.limit, quota?.period.rawValue,
                    Data(secrets.salt), Data(secrets.hash), secrets.accessKeyID, secrets.sealed.map { Data($0) },
                ])
        }
        return secrets.created(id: id, name: name)
    }

    /// All keys, oldest first.
    public func list() throws(KeyStoreError) -> [APIKeyInfo] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY created_at, id").map(Self.info) }
    }

    /// The key with `id`.
    public func show(id: String) throws(KeyStoreError) -> APIKeyInfo {
        let row = try read { db in try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [id]) }
        guard let row else { throw .notFound(id) }
        return Self.info(row)
    }

    /// Revokes the key with `id` for good; revoking again keeps the first revocation time.
    @discardableResult
    public func revoke(id: String, now: Date = Date()) throws(KeyStoreError) -> APIKeyInfo {
        let found = try write { db in
            try db.execute(
                sql: "UPDATE api_key SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?",
                arguments: [now.timeIntervalSince1970, id])
            return db.changesCount > 0
        }
        guard found else { throw .notFound(id) }
        return try show(id: id)
    }

    /// Replaces the secrets of the key with `id` (the old API key and secret access key stop working at once);
    /// the key ID and access key ID stay.
    public func rotate(id: String, now: Date = Date()) throws(KeyStoreError) -> CreatedKey {
        let current = try show(id: id)
        guard current.revokedAt == nil else { throw .invalidArgument("key '\(id)' is revoked and cannot be rotated") }
        let secrets = try makeSecrets(id: id, sigV4: current.accessKeyID != nil, accessKeyID: current.accessKeyID)
        let found = try write { db in
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
        guard found else { throw .notFound(id) }
        return secrets.created(id: id, name: current.name)
    }

    /// The change counter, bumped by every write.
    func revision() async throws(KeyStoreError) -> Int64 {
        do {
            return try await pool.read { db in try Self.fetchRevision(db) }
        } catch {
            throw .database(error)
        }
    }

    /// Loads every key and decrypts SigV4 secrets (a secret that does not decrypt is kept as its error).
    func snapshot() throws(KeyStoreError) -> KeySnapshot {
        let (revision, rows) = try read { db in
            (try Self.fetchRevision(db), try Row.fetchAll(db, sql: "SELECT * FROM api_key"))
        }
        var snapshot = KeySnapshot(revision: revision, keys: [:], accessKeys: [:])
        for row in rows {
            let info = Self.info(row)
            var secret: Result<String, KeyStoreError>?
            if let accessKeyID = info.accessKeyID {
                let sealed: Data? = row["sealed_secret"]
                secret = Result { () throws(KeyStoreError) -> String in
                    guard let masterKey else { throw .masterKeyMissing }
                    let plain = try masterKey.open(Array(sealed ?? Data()), context: Self.sealContext(accessKeyID))
                    return String(decoding: plain, as: UTF8.self)
                }
                snapshot.accessKeys[accessKeyID] = info.id
            }
            let salt: Data = row["secret_salt"]
            let hash: Data = row["secret_hash"]
            snapshot.keys[info.id] = KeySnapshot.Entry(
                info: info, salt: Array(salt), hash: Array(hash), secretAccessKey: secret)
        }
        return snapshot
    }
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

    static func info(_ row: Row) -> APIKeyInfo {
        let endpoints: String = row["endpoints"]
        let createdAt: Double = row["created_at"]
        let rate: Double? = row["rate_per_second"]
        let burst: Int? = row["burst"]
        let quotaLimit: Int? = row["quota_limit"]
        let quotaPeriod: String? = row["quota_period"]
        return APIKeyInfo(
            id: row["id"], name: row["name"],
            endpoints: endpoints.split(separator: "\n").map(String.init),
            createdAt: Date(timeIntervalSince1970: createdAt),
            expiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            rotatedAt: (row["rotated_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            rateLimit: rate.flatMap { rate in burst.map { RateLimit(perSecond: rate, burst: $0) } },
            quota: quotaLimit.flatMap { limit in
                quotaPeriod.flatMap(QuotaPeriod.init(rawValue:)).map { Quota(limit: limit, period: $0) }
            },
            accessKeyID: row["access_key_id"])
    }

    private static func fetchRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT revision FROM api_key_revision WHERE id = 1") ?? 0
    }

    private func read<T>(_ body: (Database) throws -> T) throws(KeyStoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw .database(error)
        }
    }

    /// The quota counts saved by ``saveQuotaUsage(_:)``, by key ID (those of unknown periods are skipped).
    public func quotaUsage() throws(KeyStoreError) -> [String: QuotaCounter] {
        try read { db in
            var counters: [String: QuotaCounter] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM api_key_quota_usage") {
                guard let period = QuotaPeriod(rawValue: row["quota_period"]) else { continue }
                counters[row["key_id"]] = QuotaCounter(
                    quota: Quota(limit: row["quota_limit"], period: period), used: row["used"],
                    windowEnd: Date(timeIntervalSince1970: row["window_end"]))
            }
            return counters
        }
    }

    /// Saves quota counts by key ID, replacing earlier ones. Keys' revision is not bumped: counts are not keys.
    public func saveQuotaUsage(_ counters: [String: QuotaCounter]) throws(KeyStoreError) {
        guard !counters.isEmpty else { return }
        do {
            try pool.write { db in
                for (id, counter) in counters {
                    try db.execute(
                        sql: """
                            INSERT INTO api_key_quota_usage (key_id, quota_limit, quota_period, used, window_end)
                            VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT (key_id) DO UPDATE SET quota_limit = excluded.quota_limit,
                                quota_period = excluded.quota_period, used = excluded.used,
                                window_end = excluded.window_end
                            """,
                        arguments: [
                            id, counter.quota.limit, counter.quota.period.rawValue, counter.used,
                            counter.windowEnd.timeIntervalSince1970,
                        ])
                }
            }
        } catch {
            throw .database(error)
        }
    }

    /// Runs `body` in a write transaction that also bumps the revision counter.
    private func write<T>(_ body: (Database) throws -> T) throws(KeyStoreError) -> T {
        do {
            return try pool.write { db in
                let result = try body(db)
                try db.execute(sql: "UPDATE api_key_revision SET revision = revision + 1 WHERE id = 1")
                return result
            }
        } catch {
            throw .database(error)
        }
    }
}
