import Foundation
import GRDB

/// The template tables in SQLite (single-process mode).
extension TemplateStore {
    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("templates-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE template_version (
                        endpoint TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        direction TEXT NOT NULL,
                        content_type TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        action TEXT NOT NULL,
                        source TEXT,
                        output_content_type TEXT,
                        hash TEXT,
                        author TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        restored_from INTEGER,
                        PRIMARY KEY (endpoint, variant, direction, content_type, version)
                    );
                    CREATE TABLE template_audit (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        actor TEXT NOT NULL,
                        origin TEXT NOT NULL,
                        action TEXT NOT NULL,
                        endpoint TEXT NOT NULL,
                        variant TEXT NOT NULL,
                        direction TEXT NOT NULL,
                        content_type TEXT NOT NULL,
                        version INTEGER,
                        hash TEXT,
                        detail TEXT
                    );
                    CREATE INDEX template_audit_endpoint ON template_audit (endpoint, id);
                    CREATE TABLE template_revision (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        revision INTEGER NOT NULL
                    );
                    INSERT INTO template_revision (id, revision) VALUES (1, 0);
                    """)
        }
        return migrator
    }

    static let keyFilter = "endpoint = ? AND variant = ? AND direction = ? AND content_type = ?"

    static func arguments(_ key: TemplateKey, _ extra: [(any DatabaseValueConvertible)?] = []) -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            key.endpoint, key.variant, key.direction.rawValue, key.contentType,
        ]
        return StatementArguments(values + extra)
    }

    static func fetchRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT revision FROM template_revision WHERE id = 1") ?? 0
    }

    static func versions(_ db: Database, sql: String) throws -> [TemplateVersion] {
        try Row.fetchAll(db, sql: sql).map(version(from:))
    }

    /// Version `number` of `key`, or its latest version (live or not) when `number` is nil.
    static func fetchVersion(_ db: Database, _ key: TemplateKey, _ number: Int?) throws -> TemplateVersion? {
        let row =
            if let number {
                try Row.fetchOne(
                    db, sql: "SELECT * FROM template_version WHERE \(keyFilter) AND version = ?",
                    arguments: arguments(key, [number]))
            } else {
                try Row.fetchOne(
                    db, sql: "SELECT * FROM template_version WHERE \(keyFilter) ORDER BY version DESC LIMIT 1",
                    arguments: arguments(key))
            }
        return try row.map(version(from:))
    }

    static func history(_ db: Database, _ key: TemplateKey) throws -> [TemplateVersion] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM template_version WHERE \(keyFilter) ORDER BY version", arguments: arguments(key)
        )
        .map(version(from:))
    }

    static func audit(_ db: Database, endpoint: String?, limit: Int) throws -> [TemplateAuditEntry] {
        let rows =
            if let endpoint {
                try Row.fetchAll(
                    db, sql: "SELECT * FROM template_audit WHERE endpoint = ? ORDER BY id DESC LIMIT ?",
                    arguments: [endpoint, limit])
            } else {
                try Row.fetchAll(db, sql: "SELECT * FROM template_audit ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
        return rows.map(auditEntry(from:))
    }

    /// Stores a planned change: its version (bumping the revision) and its audit entry.
    static func store(_ planned: Planned, _ db: Database) throws {
        let version = planned.version
        if planned.storesVersion {
            try db.execute(
                sql: """
                    INSERT INTO template_version (endpoint, variant, direction, content_type, version, action, source,
                        output_content_type, hash, author, created_at, restored_from)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: arguments(
                    version.key,
                    [
                        version.version, version.action.rawValue, version.source, version.outputContentType,
                        version.hash, version.author, milliseconds(version.createdAt), version.restoredFrom,
                    ]))
            try db.execute(sql: "UPDATE template_revision SET revision = revision + 1 WHERE id = 1")
        }
        let audit = planned.audit
        try db.execute(
            sql: """
                INSERT INTO template_audit (at, actor, origin, action, endpoint, variant, direction, content_type,
                    version, hash, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                milliseconds(audit.at), audit.actor, audit.origin, audit.action, audit.key.endpoint, audit.key.variant,
                audit.key.direction.rawValue, audit.key.contentType, audit.version, audit.hash, audit.detail,
            ])
    }

    static func version(from row: Row) throws -> TemplateVersion {
        try version(
            endpoint: row["endpoint"], variant: row["variant"], direction: row["direction"],
            contentType: row["content_type"], version: row["version"], action: row["action"], source: row["source"],
            outputContentType: row["output_content_type"], hash: row["hash"], author: row["author"],
            createdAt: row["created_at"], restoredFrom: row["restored_from"])
    }

    static func auditEntry(from row: Row) -> TemplateAuditEntry {
        auditEntry(
            id: row["id"], at: row["at"], actor: row["actor"], origin: row["origin"], action: row["action"],
            endpoint: row["endpoint"], variant: row["variant"], direction: row["direction"],
            contentType: row["content_type"], version: row["version"], hash: row["hash"], detail: row["detail"])
    }

    /// A version from its stored columns, whichever database they come from.
    static func version(
        endpoint: String, variant: String, direction: String, contentType: String, version: Int, action: String,
        source: String?, outputContentType: String?, hash: String?, author: String, createdAt: Int64,
        restoredFrom: Int?
    ) throws -> TemplateVersion {
        guard let parsed = TemplateDirection(rawValue: direction), let action = TemplateAction(rawValue: action) else {
            throw TemplateStoreError.database(
                "unexpected row in template_version: direction '\(direction)', action '\(action)'")
        }
        return TemplateVersion(
            key: TemplateKey(endpoint: endpoint, variant: variant, direction: parsed, contentType: contentType),
            version: version, action: action, source: source, outputContentType: outputContentType, hash: hash,
            author: author, createdAt: date(createdAt), restoredFrom: restoredFrom)
    }

    /// An audit entry from its stored columns, whichever database they come from.
    static func auditEntry(
        id: Int64, at: Int64, actor: String, origin: String, action: String, endpoint: String, variant: String,
        direction: String, contentType: String, version: Int?, hash: String?, detail: String?
    ) -> TemplateAuditEntry {
        TemplateAuditEntry(
            id: id, at: date(at), actor: actor, origin: origin, action: action,
            key: TemplateKey(
                endpoint: endpoint, variant: variant, direction: TemplateDirection(rawValue: direction) ?? .request,
                contentType: contentType),
            version: version, hash: hash, detail: detail)
    }

    static func read<T: Sendable>(
        _ pool: DatabasePool, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(TemplateStoreError) -> T {
        do {
            return try await pool.read(body)
        } catch let error as TemplateStoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    static func write<T: Sendable>(
        _ pool: DatabasePool, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(TemplateStoreError) -> T {
        do {
            return try await pool.write(body)
        } catch let error as TemplateStoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }
}
