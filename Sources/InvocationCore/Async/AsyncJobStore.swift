import Foundation
import GRDB
import GatewayAuth
import PostgresState

/// The durable queue of asynchronous invocations: the `async_job` table of `state_dir/mlgateway.sqlite`, or of the
/// fleet's PostgreSQL with `[state]`, where any replica's worker takes any job.
///
/// Every state change is one transaction, so a crash or restart loses nothing. In SQLite, jobs that were running are
/// queued again at start (``recoverInterrupted(now:)``). In PostgreSQL a running job holds a lease that its worker
/// renews (``renewLease(id:now:)``); a job whose lease ran out, because its replica was killed, is claimed again by
/// another replica (at least once; its output is written to the same location).
package final class AsyncJobStore: Sendable {
    /// The migrator identifier of this table set in the shared database.
    package static let migratorIdentifier = "mlgateway-async"
    /// How long a claimed job is a worker's in PostgreSQL without a renewal.
    package static let lease = 10.0

    enum Storage: Sendable {
        case sqlite(DatabaseQueue)
        case postgres(PostgresStateStore)
    }

    let storage: Storage

    /// Keeps the queue in the shared state store; its table is migrated on first use.
    package init(postgres: PostgresStateStore) {
        storage = .postgres(postgres)
    }

    /// Whether a running job must renew its lease (PostgreSQL).
    package var usesLeases: Bool {
        if case .postgres = storage { return true }
        return false
    }

    /// Opens (creating if needed, readable by its owner only) the database at `path` and migrates the async tables.
    package init(path: String) throws {
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(5)
        FileManager.default.createOwnerOnlyFileIfMissing(atPath: path)
        let database = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("\(Self.migratorIdentifier)-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE async_job (
                        id TEXT PRIMARY KEY NOT NULL,
                        endpoint TEXT NOT NULL,
                        input_path TEXT,
                        input_body BLOB,
                        content_type TEXT,
                        accept TEXT,
                        custom_attributes TEXT,
                        target_variant TEXT,
                        output_path TEXT NOT NULL,
                        failure_path TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        expires_at REAL NOT NULL,
                        not_before REAL NOT NULL,
                        finished_at REAL,
                        invocation_timeout REAL NOT NULL,
                        variant TEXT,
                        error TEXT
                    );
                    CREATE INDEX async_job_ready ON async_job (state, not_before, created_at);
                    """)
        }
        try migrator.migrate(database)
        storage = .sqlite(database)
    }

    /// Adds a queued job; false when its id is already taken.
    package func enqueue(_ job: AsyncJob) async throws -> Bool {
        guard case .sqlite(let database) = storage else { return try await postgresEnqueue(job) }
        return try await database.write { db in
            guard try Row.fetchOne(db, sql: "SELECT 1 FROM async_job WHERE id = ?", arguments: [job.id]) == nil else {
                return false
            }
            try db.execute(
                sql: """
                    INSERT INTO async_job (id, endpoint, input_path, input_body, content_type, accept, custom_attributes,
                        target_variant, output_path, failure_path, state, attempts, created_at, expires_at, not_before,
                        invocation_timeout)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                    """,
                arguments: [
                    job.id, job.endpoint, job.inputPath, job.inputBody, job.contentType, job.accept,
                    job.customAttributes,
                    job.targetVariant, job.outputPath, job.failurePath, AsyncJob.State.queued.rawValue, job.createdAt,
                    job.expiresAt, job.notBefore, job.invocationTimeout,
                ])
            return true
        }
    }

    /// Takes the oldest queued job that is due, marking it running and counting the attempt.
    package func claim(now: Double) async throws -> AsyncJob? {
        guard case .sqlite(let database) = storage else { return try await postgresClaim(now: now) }
        return try await database.write { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM async_job WHERE state = ? AND not_before <= ? ORDER BY created_at LIMIT 1",
                    arguments: [AsyncJob.State.queued.rawValue, now])
            else { return nil }
            var job = Self.job(from: row)
            job.state = .running
            job.attempts += 1
            try db.execute(
                sql: "UPDATE async_job SET state = ?, attempts = ? WHERE id = ?",
                arguments: [job.state.rawValue, job.attempts, job.id])
            return job
        }
    }

    /// Records the outcome of a job's attempt: finished (succeeded, failed, expired) or queued again for `notBefore`.
    package func update(_ job: AsyncJob) async throws {
        guard case .sqlite(let database) = storage else { return try await postgresUpdate(job) }
        try await database.write { db in
            try db.execute(
                sql: """
                    UPDATE async_job SET state = ?, attempts = ?, not_before = ?, finished_at = ?, variant = ?, error = ?
                    WHERE id = ?
                    """,
                arguments: [
                    job.state.rawValue, job.attempts, job.notBefore, job.finishedAt, job.variant, job.error, job.id,
                ])
        }
    }

    /// Queues again the jobs a previous process left running (SQLite; in PostgreSQL their leases run out);
    /// returns how many.
    @discardableResult
    package func recoverInterrupted(now: Double) async throws -> Int {
        guard case .sqlite(let database) = storage else { return 0 }
        return try await database.write { db in
            try db.execute(
                sql: "UPDATE async_job SET state = ?, not_before = ? WHERE state = ?",
                arguments: [AsyncJob.State.queued.rawValue, now, AsyncJob.State.running.rawValue])
            return db.changesCount
        }
    }

    /// The job with `id`.
    package func job(id: String) async throws -> AsyncJob? {
        guard case .sqlite(let database) = storage else { return try await postgresJob(id: id) }
        return try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM async_job WHERE id = ?", arguments: [id]).map(Self.job(from:))
        }
    }

    /// Jobs per state.
    package func counts() async throws -> [AsyncJob.State: Int] {
        guard case .sqlite(let database) = storage else { return try await postgresCounts() }
        return try await database.read { db in
            var counts: [AsyncJob.State: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM async_job GROUP BY state") {
                if let state = AsyncJob.State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    private static func job(from row: Row) -> AsyncJob {
        AsyncJob(
            id: row["id"], endpoint: row["endpoint"], inputPath: row["input_path"], inputBody: row["input_body"],
            contentType: row["content_type"], accept: row["accept"], customAttributes: row["custom_attributes"],
            targetVariant: row["target_variant"], outputPath: row["output_path"], failurePath: row["failure_path"],
            state: AsyncJob.State(rawValue: row["state"]) ?? .failed, attempts: row["attempts"],
            createdAt: row["created_at"], expiresAt: row["expires_at"], notBefore: row["not_before"],
            finishedAt: row["finished_at"], invocationTimeout: row["invocation_timeout"], variant: row["variant"],
            error: row["error"])
    }
}
