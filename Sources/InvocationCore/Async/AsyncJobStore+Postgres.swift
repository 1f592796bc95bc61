import Foundation
import PostgresNIO
import PostgresState

/// The async queue in PostgreSQL: the same columns as in SQLite plus `lease_until`, claimed with
/// `FOR UPDATE SKIP LOCKED` so that replicas never take the same job at once.
extension AsyncJobStore {
    static let postgresMigrations = [
        PostgresMigration(
            id: "async_job.v1",
            statements: [
                """
                CREATE TABLE async_job (
                    id TEXT PRIMARY KEY,
                    endpoint TEXT NOT NULL,
                    input_path TEXT,
                    input_body BYTEA,
                    content_type TEXT,
                    accept TEXT,
                    custom_attributes TEXT,
                    target_variant TEXT,
                    output_path TEXT NOT NULL,
                    failure_path TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    created_at DOUBLE PRECISION NOT NULL,
                    expires_at DOUBLE PRECISION NOT NULL,
                    not_before DOUBLE PRECISION NOT NULL,
                    finished_at DOUBLE PRECISION,
                    invocation_timeout DOUBLE PRECISION NOT NULL,
                    variant TEXT,
                    error TEXT,
                    lease_until DOUBLE PRECISION
                )
                """,
                "CREATE INDEX async_job_ready ON async_job (state, not_before, created_at)",
            ])
    ]

    private func postgres<T: Sendable>(
        write: Bool, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard case .postgres(let store) = storage else { preconditionFailure("not a PostgreSQL queue") }
        return try await store.perform(migrating: Self.postgresMigrations, transaction: write, body)
    }

    func postgresEnqueue(_ job: AsyncJob) async throws -> Bool {
        let body = job.inputBody.map { ByteBuffer(bytes: $0) }
        let queued = AsyncJob.State.queued.rawValue
        return try await postgres(write: true) { connection in
            let rows = try await connection.perform(
                """
                INSERT INTO async_job (id, endpoint, input_path, input_body, content_type, accept, custom_attributes,
                    target_variant, output_path, failure_path, state, attempts, created_at, expires_at, not_before,
                    invocation_timeout)
                VALUES (\(job.id), \(job.endpoint), \(job.inputPath), \(body), \(job.contentType), \(job.accept),
                    \(job.customAttributes), \(job.targetVariant), \(job.outputPath), \(job.failurePath), \(queued), 0,
                    \(job.createdAt), \(job.expiresAt), \(job.notBefore), \(job.invocationTimeout))
                ON CONFLICT (id) DO NOTHING RETURNING id
                """)
            return try await rows.collect().count == 1
        }
    }

    func postgresClaim(now: Double) async throws -> AsyncJob? {
        let queued = AsyncJob.State.queued.rawValue
        let running = AsyncJob.State.running.rawValue
        let leaseUntil = now + Self.lease
        return try await postgres(write: true) { connection in
            try await Self.jobs(
                connection,
                """
                UPDATE async_job SET state = \(running), attempts = attempts + 1, lease_until = \(leaseUntil)
                WHERE id = (
                    SELECT id FROM async_job
                    WHERE (state = \(queued) AND not_before <= \(now)) OR (state = \(running) AND lease_until < \(now))
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING *
                """
            ).first
        }
    }

    /// Extends the lease of a running job this process works on.
    package func renewLease(id: String, now: Double) async throws {
        guard case .postgres = storage else { return }
        let running = AsyncJob.State.running.rawValue
        let leaseUntil = now + Self.lease
        try await postgres(write: false) { connection in
            try await connection.perform(
                "UPDATE async_job SET lease_until = \(leaseUntil) WHERE id = \(id) AND state = \(running)")
        }
    }

    func postgresUpdate(_ job: AsyncJob) async throws {
        let attempts = Int64(job.attempts)
        try await postgres(write: true) { connection in
            try await connection.perform(
                """
                UPDATE async_job SET state = \(job.state.rawValue), attempts = \(attempts), not_before = \(job.notBefore),
                    finished_at = \(job.finishedAt), variant = \(job.variant), error = \(job.error), lease_until = NULL
                WHERE id = \(job.id)
                """)
        }
    }

    func postgresJob(id: String) async throws -> AsyncJob? {
        try await postgres(write: false) { connection in
            try await Self.jobs(connection, "SELECT * FROM async_job WHERE id = \(id)").first
        }
    }

    func postgresCounts() async throws -> [AsyncJob.State: Int] {
        try await postgres(write: false) { connection in
            var counts: [AsyncJob.State: Int] = [:]
            for try await (state, count) in try await connection.perform(
                "SELECT state, COUNT(*) FROM async_job GROUP BY state"
            ).decode((String, Int64).self) {
                if let state = AsyncJob.State(rawValue: state) { counts[state] = Int(count) }
            }
            return counts
        }
    }

    private static func jobs(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [AsyncJob] {
        var jobs: [AsyncJob] = []
        for try await row in try await connection.perform(query) {
            let columns = row.makeRandomAccess()
            jobs.append(
                AsyncJob(
                    id: try columns["id"].decode(String.self), endpoint: try columns["endpoint"].decode(String.self),
                    inputPath: try columns["input_path"].decode(String?.self),
                    inputBody: try columns["input_body"].decode(ByteBuffer?.self).map { Data(buffer: $0) },
                    contentType: try columns["content_type"].decode(String?.self),
                    accept: try columns["accept"].decode(String?.self),
                    customAttributes: try columns["custom_attributes"].decode(String?.self),
                    targetVariant: try columns["target_variant"].decode(String?.self),
                    outputPath: try columns["output_path"].decode(String.self),
                    failurePath: try columns["failure_path"].decode(String.self),
                    state: AsyncJob.State(rawValue: try columns["state"].decode(String.self)) ?? .failed,
                    attempts: Int(try columns["attempts"].decode(Int64.self)),
                    createdAt: try columns["created_at"].decode(Double.self),
                    expiresAt: try columns["expires_at"].decode(Double.self),
                    notBefore: try columns["not_before"].decode(Double.self),
                    finishedAt: try columns["finished_at"].decode(Double?.self),
                    invocationTimeout: try columns["invocation_timeout"].decode(Double.self),
                    variant: try columns["variant"].decode(String?.self),
                    error: try columns["error"].decode(String?.self)))
        }
        return jobs
    }
}
