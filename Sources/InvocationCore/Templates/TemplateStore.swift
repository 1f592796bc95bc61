import Crypto
import Foundation
import GRDB
import GatewayAuth
import MappingTemplates
import WireFormats

/// Versioned mapping templates in SQLite (`state_dir/mlgateway.sqlite`, WAL mode), shared by the gateway and the
/// CLI.
///
/// Every change (create, update, rollback, delete) appends a version and an audit entry and bumps a revision counter
/// in one transaction; gateways poll that counter (``revision()``) to pick up changes made by other processes. The
/// tables (`template_version`, `template_audit`, `template_revision`) and the migrator identifiers (`templates-…`)
/// are this store's own; other components keep their own tables in the same file.
public final class TemplateStore: Sendable {
    /// The database file name inside `state_dir`.
    public static let fileName = "mlgateway.sqlite"

    package let pool: DatabasePool

    /// Opens (creating if needed) the database in `stateDirectory` and migrates the template tables.
    public convenience init(stateDirectory: URL) throws(TemplateStoreError) {
        do {
            try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        } catch {
            throw .database("cannot create the state directory \(stateDirectory.path): \(error.localizedDescription)")
        }
        try self.init(path: stateDirectory.appendingPathComponent(Self.fileName).path)
    }

    /// Opens (creating if needed, readable by its owner only) the database at `path` and migrates the template tables.
    public init(path: String) throws(TemplateStoreError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "templates"
        FileManager.default.createOwnerOnlyFileIfMissing(atPath: path)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
    }

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

    /// Who makes a change, for versions and the audit log.
    public struct Actor: Sendable {
        /// The author recorded on the version.
        public var author: String
        /// `admin-api` or `cli`.
        public var origin: String

        /// Creates an actor.
        public init(author: String, origin: String) {
            self.author = author
            self.origin = origin
        }
    }

    // MARK: Reading

    /// The change counter: it grows with every stored change, from any process.
    public func revision() async throws(TemplateStoreError) -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT revision FROM template_revision WHERE id = 1") ?? 0 }
    }

    /// The latest version of every key whose latest version is live, with the revision they were read at.
    public func liveTemplates() async throws(TemplateStoreError) -> (revision: Int64, templates: [TemplateVersion]) {
        try await read { db in
            let revision = try Int64.fetchOne(db, sql: "SELECT revision FROM template_revision WHERE id = 1") ?? 0
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.* FROM template_version t
                    JOIN (SELECT endpoint, variant, direction, content_type, MAX(version) AS latest
                          FROM template_version GROUP BY endpoint, variant, direction, content_type) m
                      ON t.endpoint = m.endpoint AND t.variant = m.variant AND t.direction = m.direction
                         AND t.content_type = m.content_type AND t.version = m.latest
                    WHERE t.source IS NOT NULL
                    ORDER BY t.endpoint, t.variant, t.direction, t.content_type
                    """)
            return (revision, try rows.map(Self.version(from:)))
        }
    }

    /// The latest version number of every key ever stored, deletions included.
    public func latestVersionNumbers() async throws(TemplateStoreError) -> [TemplateKey: Int] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT endpoint, variant, direction, content_type, MAX(version) AS latest FROM template_version
                    GROUP BY endpoint, variant, direction, content_type
                    """)
            var latest: [TemplateKey: Int] = [:]
            for row in rows {
                guard let direction = TemplateDirection(rawValue: row["direction"]) else { continue }
                let key = TemplateKey(
                    endpoint: row["endpoint"], variant: row["variant"], direction: direction,
                    contentType: row["content_type"])
                latest[key] = row["latest"]
            }
            return latest
        }
    }

    /// Version `number` of `key`, or its latest live version when `number` is nil.
    public func version(_ key: TemplateKey, _ number: Int? = nil) async throws(TemplateStoreError) -> TemplateVersion {
        let found = try await read { db in
            if let number {
                return try Self.fetchVersion(db, key, sql: "AND version = ?", extra: [number])
            }
            return try Self.latest(db, key).flatMap { $0.isLive ? $0 : nil }
        }
        guard let found else { throw .notFound(key: key, version: number) }
        return found
    }

    /// Every version of `key`, oldest first (empty when it was never stored).
    public func history(_ key: TemplateKey) async throws(TemplateStoreError) -> [TemplateVersion] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM template_version WHERE \(Self.keyFilter) ORDER BY version",
                arguments: Self.arguments(key)
            )
            .map(Self.version(from:))
        }
    }

    /// The latest audit entries, newest first, optionally for one endpoint.
    public func audit(endpoint: String? = nil, limit: Int = 100) async throws(TemplateStoreError)
        -> [TemplateAuditEntry]
    {
        try await read { db in
            let rows: [Row]
            if let endpoint {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM template_audit WHERE endpoint = ? ORDER BY id DESC LIMIT ?",
                    arguments: [endpoint, limit])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM template_audit ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
            return rows.map(Self.auditEntry(from:))
        }
    }

    // MARK: Changing

    /// Validates `source` and stores it as the next version of `key`.
    ///
    /// - Parameters:
    ///   - outputContentType: for request templates, what the model receives; `nil` keeps the previous version's.
    ///   - expectedVersion: optimistic concurrency: the latest version the caller saw (0 = none); `nil` skips the
    ///     check.
    /// - Throws: ``TemplateStoreError/invalid(_:)`` (recorded in the audit log as `rejected`),
    ///   ``TemplateStoreError/conflict(key:expected:actual:)``, ``TemplateStoreError/rejected(_:)`` for an output
    ///   content type that is not a media type or not a legal header value.
    public func put(
        _ key: TemplateKey, source: String, outputContentType: String? = nil, actor: Actor, expectedVersion: Int? = nil
    ) async throws(TemplateStoreError) -> TemplateVersion {
        if let outputContentType, !MediaType.isOutputContentType(outputContentType) {
            throw .rejected("Output content type \"\(outputContentType)\" is not a media type like text/csv.")
        }
        let hash = Self.hash(source)
        do {
            _ = try MappingTemplate(source: source, name: key.description)
        } catch {
            try await recordRejection(key, hash: hash, actor: actor, error: error)
            throw .invalid(error)
        }
        return try await write { db in
            let latest = try Self.latest(db, key)
            try Self.check(key, expected: expectedVersion, latest: latest)
            let output = outputContentType ?? (latest?.isLive == true ? latest?.outputContentType : nil)
            return try Self.append(
                db, key, action: latest?.isLive == true ? .update : .create, source: source, outputContentType: output,
                after: latest, actor: actor, restoredFrom: nil)
        }
    }

    /// Stores a copy of version `target` as the next version of `key`.
    public func rollback(
        _ key: TemplateKey, to target: Int, actor: Actor, expectedVersion: Int? = nil
    ) async throws(TemplateStoreError) -> TemplateVersion {
        try await write { db in
            let latest = try Self.latest(db, key)
            try Self.check(key, expected: expectedVersion, latest: latest)
            guard let old = try Self.fetchVersion(db, key, sql: "AND version = ?", extra: [target]) else {
                throw TemplateStoreError.notFound(key: key, version: target)
            }
            guard let source = old.source else {
                throw TemplateStoreError.rejected(
                    "Version \(target) of template \(key) is a deletion; roll back to a version with a template.")
            }
            return try Self.append(
                db, key, action: .rollback, source: source, outputContentType: old.outputContentType, after: latest,
                actor: actor, restoredFrom: target)
        }
    }

    /// Marks `key` deleted: its stored template no longer applies (a `gateway.conf` template for the key applies
    /// again). History is kept.
    public func delete(_ key: TemplateKey, actor: Actor, expectedVersion: Int? = nil) async throws(TemplateStoreError)
        -> TemplateVersion
    {
        try await write { db in
            let latest = try Self.latest(db, key)
            try Self.check(key, expected: expectedVersion, latest: latest)
            guard let latest, latest.isLive else { throw TemplateStoreError.notFound(key: key, version: nil) }
            return try Self.append(
                db, key, action: .delete, source: nil, outputContentType: nil, after: latest, actor: actor,
                restoredFrom: nil)
        }
    }

    private func recordRejection(_ key: TemplateKey, hash: String, actor: Actor, error: TemplateError)
        async throws(TemplateStoreError)
    {
        try await write { db in
            try Self.audit(
                db, key, action: "rejected", version: nil, hash: hash, actor: actor, detail: error.description)
        }
    }

    // MARK: SQL helpers

    package static let keyFilter = "endpoint = ? AND variant = ? AND direction = ? AND content_type = ?"

    package static func arguments(_ key: TemplateKey, _ extra: [(any DatabaseValueConvertible)?] = [])
        -> StatementArguments
    {
        let values: [(any DatabaseValueConvertible)?] = [
            key.endpoint, key.variant, key.direction.rawValue, key.contentType,
        ]
        return StatementArguments(values + extra)
    }

    package static func latest(_ db: Database, _ key: TemplateKey) throws -> TemplateVersion? {
        try fetchVersion(db, key, sql: "ORDER BY version DESC LIMIT 1", extra: [])
    }

    package static func fetchVersion(
        _ db: Database, _ key: TemplateKey, sql: String, extra: [(any DatabaseValueConvertible)?]
    ) throws -> TemplateVersion? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM template_version WHERE \(keyFilter) \(sql)", arguments: arguments(key, extra)
        )
        .map(version(from:))
    }

    package static func check(_ key: TemplateKey, expected: Int?, latest: TemplateVersion?) throws {
        let actual = latest?.version ?? 0
        if let expected, expected != actual {
            throw TemplateStoreError.conflict(key: key, expected: expected, actual: actual)
        }
    }

    package static func append(
        _ db: Database, _ key: TemplateKey, action: TemplateAction, source: String?, outputContentType: String?,
        after latest: TemplateVersion?, actor: Actor, restoredFrom: Int?
    ) throws -> TemplateVersion {
        let version = TemplateVersion(
            key: key, version: (latest?.version ?? 0) + 1, action: action, source: source,
            outputContentType: outputContentType, hash: source.map(hash), author: actor.author,
            createdAt: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000),
            restoredFrom: restoredFrom)
        try db.execute(
            sql: """
                INSERT INTO template_version (endpoint, variant, direction, content_type, version, action, source,
                    output_content_type, hash, author, created_at, restored_from)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: arguments(
                key,
                [
                    version.version, action.rawValue, source, outputContentType, version.hash, actor.author,
                    milliseconds(version.createdAt), restoredFrom,
                ]))
        try audit(
            db, key, action: action.rawValue, version: version.version, hash: version.hash, actor: actor,
            detail: restoredFrom.map { "restored version \($0)" })
        try db.execute(sql: "UPDATE template_revision SET revision = revision + 1 WHERE id = 1")
        return version
    }

    package static func audit(
        _ db: Database, _ key: TemplateKey, action: String, version: Int?, hash: String?, actor: Actor, detail: String?
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO template_audit (at, actor, origin, action, endpoint, variant, direction, content_type,
                    version, hash, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                milliseconds(Date()), actor.author, actor.origin, action, key.endpoint, key.variant,
                key.direction.rawValue,
                key.contentType, version, hash, detail,
            ])
    }

    package static func version(from row: Row) throws -> TemplateVersion {
        let direction: String = row["direction"]
        guard let parsed = TemplateDirection(rawValue: direction), let action = TemplateAction(rawValue: row["action"])
        else {
            throw TemplateStoreError.database("unexpected row in template_version: \(row)")
        }
        return TemplateVersion(
            key: TemplateKey(
                endpoint: row["endpoint"], variant: row["variant"], direction: parsed, contentType: row["content_type"]),
            version: row["version"], action: action, source: row["source"],
            outputContentType: row["output_content_type"],
            hash: row["hash"], author: row["author"], createdAt: date(row["created_at"]),
            restoredFrom: row["restored_from"])
    }

    package static func auditEntry(from row: Row) -> TemplateAuditEntry {
        let direction = TemplateDirection(rawValue: row["direction"]) ?? .request
        return TemplateAuditEntry(
            id: row["id"], at: date(row["at"]), actor: row["actor"], origin: row["origin"], action: row["action"],
            key: TemplateKey(
                endpoint: row["endpoint"], variant: row["variant"], direction: direction,
                contentType: row["content_type"]),
            version: row["version"], hash: row["hash"], detail: row["detail"])
    }

    /// SHA-256 of the UTF-8 text, in lowercase hex.
    public static func hash(_ source: String) -> String {
        SHA256.hash(data: Data(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    package static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    package static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(TemplateStoreError)
        -> T
    {
        do {
            return try await pool.read(body)
        } catch let error as TemplateStoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(TemplateStoreError)
        -> T
    {
        do {
            return try await pool.write(body)
        } catch let error as TemplateStoreError {
            throw error
        } catch {
            throw .database("\(error)")
        }
    }
}
