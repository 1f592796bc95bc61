import PostgresNIO
import PostgresState

/// The template tables in PostgreSQL (fleet mode): the same columns as in SQLite; the revision is the state store's
/// `template` topic, bumped and notified in the transaction of each stored version.
extension TemplateStore {
    static let postgresMigrations = [
        PostgresMigration(
            id: "templates.v1",
            statements: [
                """
                CREATE TABLE template_version (
                    endpoint TEXT NOT NULL,
                    variant TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    version BIGINT NOT NULL,
                    action TEXT NOT NULL,
                    source TEXT,
                    output_content_type TEXT,
                    hash TEXT,
                    author TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    restored_from BIGINT,
                    PRIMARY KEY (endpoint, variant, direction, content_type, version)
                )
                """,
                """
                CREATE TABLE template_audit (
                    id BIGSERIAL PRIMARY KEY,
                    at BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    action TEXT NOT NULL,
                    endpoint TEXT NOT NULL,
                    variant TEXT NOT NULL,
                    direction TEXT NOT NULL,
                    content_type TEXT NOT NULL,
                    version BIGINT,
                    hash TEXT,
                    detail TEXT
                )
                """,
                "CREATE INDEX template_audit_endpoint ON template_audit (endpoint, id)",
            ])
    ]

    /// The advisory lock that serialises template writers across replicas, so versions stay consecutive.
    static let writeLock: Int64 = 0x6D6C_6777_7470_6C77

    /// Runs `body` on the state store (in a transaction when `write`), migrating the template tables first if this
    /// process has not yet.
    static func postgres<T: Sendable>(
        _ store: PostgresStateStore, write: Bool = false,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(TemplateStoreError) -> T {
        do {
            return try await store.perform(migrating: postgresMigrations, transaction: write, body)
        } catch let error as TemplateStoreError {
            throw error
        } catch {
            let failure = PostgresStateError.classify(error)
            throw failure.kind == .unavailable ? .unavailable(failure.message) : .database(failure.message)
        }
    }

    private static let columns = """
        endpoint, variant, direction, content_type, version, action, source, output_content_type, hash, author,
        created_at, restored_from
        """

    static func versions(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [TemplateVersion] {
        var versions: [TemplateVersion] = []
        for try await row in try await connection.perform(query) {
            let (endpoint, variant, direction, contentType, number, action) = try row.decode(
                (String, String, String, String, Int64, String).self)
            let columns = row.makeRandomAccess()
            versions.append(
                try version(
                    endpoint: endpoint, variant: variant, direction: direction, contentType: contentType,
                    version: Int(number), action: action, source: try columns["source"].decode(String?.self),
                    outputContentType: try columns["output_content_type"].decode(String?.self),
                    hash: try columns["hash"].decode(String?.self), author: try columns["author"].decode(String.self),
                    createdAt: try columns["created_at"].decode(Int64.self),
                    restoredFrom: try columns["restored_from"].decode(Int64?.self).map { Int($0) }))
        }
        return versions
    }

    /// Version `number` of `key`, or its latest version (live or not) when `number` is nil.
    static func fetchVersion(
        _ connection: PostgresConnection, _ key: TemplateKey, _ number: Int?
    ) async throws -> TemplateVersion? {
        let direction = key.direction.rawValue
        let query: PostgresQuery =
            if let number {
                """
                SELECT \(unescaped: columns) FROM template_version
                WHERE endpoint = \(key.endpoint) AND variant = \(key.variant) AND direction = \(direction)
                    AND content_type = \(key.contentType) AND version = \(Int64(number))
                """
            } else {
                """
                SELECT \(unescaped: columns) FROM template_version
                WHERE endpoint = \(key.endpoint) AND variant = \(key.variant) AND direction = \(direction)
                    AND content_type = \(key.contentType) ORDER BY version DESC LIMIT 1
                """
            }
        return try await versions(connection, query).first
    }

    static func history(_ connection: PostgresConnection, _ key: TemplateKey) async throws -> [TemplateVersion] {
        let direction = key.direction.rawValue
        return try await versions(
            connection,
            """
            SELECT \(unescaped: columns) FROM template_version
            WHERE endpoint = \(key.endpoint) AND variant = \(key.variant) AND direction = \(direction)
                AND content_type = \(key.contentType) ORDER BY version
            """)
    }

    static func audit(
        _ connection: PostgresConnection, endpoint: String?, limit: Int
    ) async throws -> [TemplateAuditEntry] {
        let limit = Int64(limit)
        let query: PostgresQuery =
            if let endpoint {
                "SELECT * FROM template_audit WHERE endpoint = \(endpoint) ORDER BY id DESC LIMIT \(limit)"
            } else {
                "SELECT * FROM template_audit ORDER BY id DESC LIMIT \(limit)"
            }
        var entries: [TemplateAuditEntry] = []
        for try await row in try await connection.perform(query) {
            let columns = row.makeRandomAccess()
            entries.append(
                auditEntry(
                    id: try columns["id"].decode(Int64.self), at: try columns["at"].decode(Int64.self),
                    actor: try columns["actor"].decode(String.self), origin: try columns["origin"].decode(String.self),
                    action: try columns["action"].decode(String.self),
                    endpoint: try columns["endpoint"].decode(String.self),
                    variant: try columns["variant"].decode(String.self),
                    direction: try columns["direction"].decode(String.self),
                    contentType: try columns["content_type"].decode(String.self),
                    version: try columns["version"].decode(Int64?.self).map { Int($0) },
                    hash: try columns["hash"].decode(String?.self), detail: try columns["detail"].decode(String?.self)))
        }
        return entries
    }

    /// Stores a planned change: its version (bumping and notifying the revision) and its audit entry.
    static func store(_ planned: Planned, _ connection: PostgresConnection) async throws {
        let version = planned.version
        let key = version.key
        let direction = key.direction.rawValue
        if planned.storesVersion {
            let number = Int64(version.version)
            let action = version.action.rawValue
            let createdAt = milliseconds(version.createdAt)
            let restoredFrom = version.restoredFrom.map { Int64($0) }
            try await connection.perform(
                """
                INSERT INTO template_version (\(unescaped: columns))
                VALUES (\(key.endpoint), \(key.variant), \(direction), \(key.contentType), \(number), \(action),
                    \(version.source), \(version.outputContentType), \(version.hash), \(version.author), \(createdAt),
                    \(restoredFrom))
                """)
            try await PostgresStateStore.bumpRevision(topic, on: connection)
        }
        let audit = planned.audit
        let at = milliseconds(audit.at)
        let auditVersion = audit.version.map { Int64($0) }
        try await connection.perform(
            """
            INSERT INTO template_audit (at, actor, origin, action, endpoint, variant, direction, content_type, version,
                hash, detail)
            VALUES (\(at), \(audit.actor), \(audit.origin), \(audit.action), \(key.endpoint), \(key.variant),
                \(direction), \(key.contentType), \(auditVersion), \(audit.hash), \(audit.detail))
            """)
    }
}
