import Foundation
import GRDB

/// The quota counts of this process's in-memory rate limiter, in `<state_dir>/mlgateway.sqlite`, so that a single
/// process's quotas survive its restarts.
///
/// They stay on the local disk whatever keeps the keys: they are this process's own counts (a fleet counts in
/// Redis, `[rate_limit] redis`). Saving them does not bump the keys' revision: counts are not keys.
public final class QuotaUsageStore: Sendable {
    let pool: DatabasePool

    /// Opens (creating if needed, readable by its owner only) `<stateDirectory>/mlgateway.sqlite`.
    public init(stateDirectory: URL) throws(KeyStoreError) {
        let path = stateDirectory.appendingPathComponent(KeyStore.fileName).path
        do {
            try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
            FileManager.default.createOwnerOnlyFileIfMissing(atPath: path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.label = "mlgateway.quota-usage"
            pool = try DatabasePool(path: path, configuration: configuration)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("api_key_quota_usage.v1") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS api_key_quota_usage (
                            key_id TEXT PRIMARY KEY NOT NULL,
                            quota_limit INTEGER NOT NULL,
                            quota_period TEXT NOT NULL,
                            used INTEGER NOT NULL,
                            window_end REAL NOT NULL
                        );
                        """)
            }
            try migrator.migrate(pool)
        } catch {
            throw .database(error)
        }
    }

    /// The quota counts saved by ``save(_:)``, by key ID (those of unknown periods are skipped).
    public func load() throws(KeyStoreError) -> [String: QuotaCounter] {
        do {
            return try pool.read { db in
                var counters: [String: QuotaCounter] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT * FROM api_key_quota_usage") {
                    guard let period = QuotaPeriod(rawValue: row["quota_period"]) else { continue }
                    counters[row["key_id"]] = QuotaCounter(
                        quota: Quota(limit: row["quota_limit"], period: period), used: row["used"],
                        windowEnd: Date(timeIntervalSince1970: row["window_end"]))
                }
                return counters
            }
        } catch {
            throw .database(error)
        }
    }

    /// Saves quota counts by key ID, replacing earlier ones.
    public func save(_ counters: [String: QuotaCounter]) throws(KeyStoreError) {
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
}
