import Foundation
import GRDB

/// The key tables in SQLite (single-process mode).
extension KeyStore {
    static func insert(_ row: KeyRow, _ db: Database) throws {
        let info = row.info
        try db.execute(
            sql: """
                INSERT INTO api_key (id, name, endpoints, created_at, expires_at, rate_per_second, burst,
                    quota_limit, quota_period, secret_salt, secret_hash, access_key_id, sealed_secret)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                info.id, info.name, info.endpoints.joined(separator: "\n"), info.createdAt.timeIntervalSince1970,
                info.expiresAt?.timeIntervalSince1970, info.rateLimit?.perSecond, info.rateLimit?.burst,
                info.quota?.limit, info.quota?.period.rawValue, Data(row.salt), Data(row.hash), info.accessKeyID,
                row.sealed.map { Data($0) },
            ])
    }

    /// Every key oldest first, or the key with `id`.
    static func rows(_ db: Database, id: String? = nil) throws -> [KeyRow] {
        let rows =
            if let id {
                try Row.fetchAll(db, sql: "SELECT * FROM api_key WHERE id = ?", arguments: [id])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM api_key ORDER BY created_at, id")
            }
        return rows.map { row in
            let salt: Data = row["secret_salt"]
            let hash: Data = row["secret_hash"]
            let sealed: Data? = row["sealed_secret"]
            return KeyRow(
                info: info(
                    id: row["id"], name: row["name"], endpoints: row["endpoints"], createdAt: row["created_at"],
                    expiresAt: row["expires_at"], revokedAt: row["revoked_at"], rotatedAt: row["rotated_at"],
                    rate: row["rate_per_second"], burst: row["burst"], quotaLimit: row["quota_limit"],
                    quotaPeriod: row["quota_period"], accessKeyID: row["access_key_id"]),
                salt: Array(salt), hash: Array(hash), sealed: sealed.map(Array.init))
        }
    }

    /// A key's description from its stored columns (times in seconds since 1970, endpoints one per line).
    static func info(
        id: String, name: String, endpoints: String, createdAt: Double, expiresAt: Double?, revokedAt: Double?,
        rotatedAt: Double?, rate: Double?, burst: Int?, quotaLimit: Int?, quotaPeriod: String?, accessKeyID: String?
    ) -> APIKeyInfo {
        APIKeyInfo(
            id: id, name: name, endpoints: endpoints.split(separator: "\n").map(String.init),
            createdAt: Date(timeIntervalSince1970: createdAt),
            expiresAt: expiresAt.map(Date.init(timeIntervalSince1970:)),
            revokedAt: revokedAt.map(Date.init(timeIntervalSince1970:)),
            rotatedAt: rotatedAt.map(Date.init(timeIntervalSince1970:)),
            rateLimit: rate.flatMap { rate in burst.map { RateLimit(perSecond: rate, burst: $0) } },
            quota: quotaLimit.flatMap { limit in
                quotaPeriod.flatMap(QuotaPeriod.init(rawValue:)).map { Quota(limit: limit, period: $0) }
            },
            accessKeyID: accessKeyID)
    }

    static func fetchRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT revision FROM api_key_revision WHERE id = 1") ?? 0
    }

    static func read<T>(_ pool: DatabasePool, _ body: (Database) throws -> T) throws(KeyStoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw .database(error)
        }
    }

    /// Runs `body` in a write transaction that also bumps the revision counter.
    static func write<T>(_ pool: DatabasePool, _ body: (Database) throws -> T) throws(KeyStoreError) -> T {
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
