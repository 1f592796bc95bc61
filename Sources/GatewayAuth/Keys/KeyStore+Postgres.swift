import Foundation
import PostgresNIO
import PostgresState

/// The key tables in PostgreSQL (fleet mode): the same columns as in SQLite, written in transactions that bump the
/// `api_key` topic's revision and notify every replica.
extension KeyStore {
    static let postgresMigrations = [
        PostgresMigration(
            id: "api_key.v1",
            statements: [
                """
                CREATE TABLE api_key (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    endpoints TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION,
                    revoked_at DOUBLE PRECISION,
                    rotated_at DOUBLE PRECISION,
                    rate_per_second DOUBLE PRECISION,
                    burst BIGINT,
                    quota_limit BIGINT,
                    quota_period TEXT,
                    secret_salt BYTEA NOT NULL,
                    secret_hash BYTEA NOT NULL,
                    access_key_id TEXT UNIQUE,
                    sealed_secret BYTEA
                )
                """
            ])
    ]

    /// Runs `body` on the state store, migrating the key tables first if this process has not yet; a write also
    /// bumps the revision and notifies the fleet in the same transaction.
    static func postgres<T: Sendable>(
        _ store: PostgresStateStore, write: Bool = true,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(KeyStoreError) -> T {
        do {
            return try await store.perform(migrating: postgresMigrations, transaction: write) { connection in
                let result = try await body(connection)
                if write { try await PostgresStateStore.bumpRevision(topic, on: connection) }
                return result
            }
        } catch let error as KeyStoreError {
            throw error
        } catch {
            throw KeyStoreError(PostgresStateError.classify(error))
        }
    }

    static func insert(_ row: KeyRow, _ connection: PostgresConnection) async throws {
        let info = row.info
        let endpoints = info.endpoints.joined(separator: "\n")
        let created = info.createdAt.timeIntervalSince1970
        let expires = info.expiresAt?.timeIntervalSince1970
        let rate = info.rateLimit?.perSecond
        let burst = info.rateLimit?.burst
        let quotaLimit = info.quota?.limit
        let quotaPeriod = info.quota?.period.rawValue
        let salt = ByteBuffer(bytes: row.salt)
        let hash = ByteBuffer(bytes: row.hash)
        let sealed = row.sealed.map { ByteBuffer(bytes: $0) }
        try await connection.perform(
            """
            INSERT INTO api_key (id, name, endpoints, created_at, expires_at, rate_per_second, burst, quota_limit,
                quota_period, secret_salt, secret_hash, access_key_id, sealed_secret)
            VALUES (\(info.id), \(info.name), \(endpoints), \(created), \(expires), \(rate), \(burst), \(quotaLimit),
                \(quotaPeriod), \(salt), \(hash), \(info.accessKeyID), \(sealed))
            """)
    }

    static func revoke(id: String, at now: Date, _ connection: PostgresConnection) async throws -> Bool {
        let at = now.timeIntervalSince1970
        let rows = try await connection.perform(
            "UPDATE api_key SET revoked_at = coalesce(revoked_at, \(at)) WHERE id = \(id) RETURNING id")
        return try await rows.collect().count > 0
    }

    static func rotate(
        id: String, salt: [UInt8], hash: [UInt8], sealed: [UInt8]?, at now: Date, _ connection: PostgresConnection
    ) async throws -> Bool {
        let saltBuffer = ByteBuffer(bytes: salt)
        let hashBuffer = ByteBuffer(bytes: hash)
        let sealedBuffer = sealed.map { ByteBuffer(bytes: $0) }
        let at = now.timeIntervalSince1970
        let rows = try await connection.perform(
            """
            UPDATE api_key SET secret_salt = \(saltBuffer), secret_hash = \(hashBuffer), sealed_secret = \(sealedBuffer),
                rotated_at = \(at)
            WHERE id = \(id) AND revoked_at IS NULL RETURNING id
            """)
        return try await rows.collect().count > 0
    }

    /// Every key oldest first, or the key with `id`.
    static func rows(_ connection: PostgresConnection, id: String? = nil) async throws -> [KeyRow] {
        let columns = """
            SELECT id, name, endpoints, created_at, expires_at, revoked_at, rotated_at, rate_per_second, burst,
                quota_limit, quota_period, secret_salt, secret_hash, access_key_id, sealed_secret FROM api_key
            """
        let query: PostgresQuery =
            if let id { "\(unescaped: columns) WHERE id = \(id)" } else {
                "\(unescaped: columns) ORDER BY created_at, id"
            }
        var rows: [KeyRow] = []
        for try await row in try await connection.perform(query) {
            let columns = row.makeRandomAccess()
            let burst = try columns["burst"].decode(Int64?.self)
            let quotaLimit = try columns["quota_limit"].decode(Int64?.self)
            rows.append(
                KeyRow(
                    info: info(
                        id: try columns["id"].decode(String.self), name: try columns["name"].decode(String.self),
                        endpoints: try columns["endpoints"].decode(String.self),
                        createdAt: try columns["created_at"].decode(Double.self),
                        expiresAt: try columns["expires_at"].decode(Double?.self),
                        revokedAt: try columns["revoked_at"].decode(Double?.self),
                        rotatedAt: try columns["rotated_at"].decode(Double?.self),
                        rate: try columns["rate_per_second"].decode(Double?.self), burst: burst.map { Int($0) },
                        quotaLimit: quotaLimit.map { Int($0) },
                        quotaPeriod: try columns["quota_period"].decode(String?.self),
                        accessKeyID: try columns["access_key_id"].decode(String?.self)),
                    salt: Array(buffer: try columns["secret_salt"].decode(ByteBuffer.self)),
                    hash: Array(buffer: try columns["secret_hash"].decode(ByteBuffer.self)),
                    sealed: try columns["sealed_secret"].decode(ByteBuffer?.self).map { Array(buffer: $0) }))
        }
        return rows
    }
}
