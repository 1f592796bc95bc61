import Crypto
import Foundation
import GRDB
import GatewayAuth
import MappingTemplates
import PostgresNIO
import PostgresState
import WireFormats

/// Versioned mapping templates, shared by the gateway and the CLI: in SQLite (`state_dir/mlgateway.sqlite`, WAL
/// mode), or in the fleet's PostgreSQL with `[state]` (``init(postgres:)``).
///
/// Every change (create, update, rollback, delete) appends a version and an audit entry and bumps a revision counter
/// in one transaction; gateways poll that counter (``revision()``), and on PostgreSQL are notified of it, to pick up
/// changes made by other processes. The tables (`template_version`, `template_audit`, and `template_revision` in
/// SQLite) and the migration identifiers (`templates-…`) are this store's own; other components keep their own
/// tables in the same database. Concurrent writers of one key are serialised (SQLite's write lock, an advisory
/// lock on PostgreSQL), so versions stay consecutive.
public final class TemplateStore: Sendable {
    /// The database file name inside `state_dir`.
    public static let fileName = "mlgateway.sqlite"
    /// The state store topic of template changes.
    public static let topic = "template"

    /// Where the templates are kept.
    enum Storage: Sendable {
        case sqlite(DatabasePool)
        case postgres(PostgresStateStore)
    }

    let storage: Storage

    /// The SQLite database (nil on PostgreSQL).
    package var pool: DatabasePool? {
        if case .sqlite(let pool) = storage { return pool }
        return nil
    }

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
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            storage = .sqlite(pool)
        } catch {
            throw .database("cannot open \(path): \(error)")
        }
    }

    /// Keeps the templates in the shared state store; its tables are migrated on first use.
    public init(postgres: PostgresStateStore) {
        storage = .postgres(postgres)
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
        switch storage {
        case .sqlite(let pool):
            return try await Self.read(pool) { db in try Self.fetchRevision(db) }
        case .postgres(let store):
            return try await Self.postgres(store) { connection in
                try await PostgresStateStore.revision(Self.topic, on: connection)
            }
        }
    }

    /// The latest version of every key whose latest version is live, with the revision they were read at.
    public func liveTemplates() async throws(TemplateStoreError) -> (revision: Int64, templates: [TemplateVersion]) {
        switch storage {
        case .sqlite(let pool):
            return try await Self.read(pool) { db in
                (try Self.fetchRevision(db), try Self.versions(db, sql: Self.liveTemplatesSQL))
            }
        case .postgres(let store):
            return try await Self.postgres(store) { connection in
                (
                    try await PostgresStateStore.revision(Self.topic, on: connection),
                    try await Self.versions(connection, PostgresQuery(unsafeSQL: Self.liveTemplatesSQL))
                )
            }
        }
    }

    /// The latest version number of every key ever stored, deletions included.
    public func latestVersionNumbers() async throws(TemplateStoreError) -> [TemplateKey: Int] {
        let latest: [TemplateVersion]
        switch storage {
        case .sqlite(let pool):
            latest = try await Self.read(pool) { db in try Self.versions(db, sql: Self.latestVersionsSQL) }
        case .postgres(let store):
            latest = try await Self.postgres(store) { connection in
                try await Self.versions(connection, PostgresQuery(unsafeSQL: Self.latestVersionsSQL))
            }
        }
        return Dictionary(latest.map { ($0.key, $0.version) }, uniquingKeysWith: max)
    }

    /// Version `number` of `key`, or its latest live version when `number` is nil.
    public func version(_ key: TemplateKey, _ number: Int? = nil) async throws(TemplateStoreError) -> TemplateVersion {
        let found: TemplateVersion?
        switch storage {
        case .sqlite(let pool):
            found = try await Self.read(pool) { db in try Self.fetchVersion(db, key, number) }
        case .postgres(let store):
            found = try await Self.postgres(store) { connection in
                try await Self.fetchVersion(connection, key, number)
            }
        }
        guard let found, number != nil || found.isLive else { throw .notFound(key: key, version: number) }
        return found
    }

    /// Every version of `key`, oldest first (empty when it was never stored).
    public func history(_ key: TemplateKey) async throws(TemplateStoreError) -> [TemplateVersion] {
        switch storage {
        case .sqlite(let pool):
            return try await Self.read(pool) { db in try Self.history(db, key) }
        case .postgres(let store):
            return try await Self.postgres(store) { connection in try await Self.history(connection, key) }
        }
    }

    /// The latest audit entries, newest first, optionally for one endpoint.
    public func audit(endpoint: String? = nil, limit: Int = 100) async throws(TemplateStoreError)
        -> [TemplateAuditEntry]
    {
        switch storage {
        case .sqlite(let pool):
            return try await Self.read(pool) { db in try Self.audit(db, endpoint: endpoint, limit: limit) }
        case .postgres(let store):
            return try await Self.postgres(store) { connection in
                try await Self.audit(connection, endpoint: endpoint, limit: limit)
            }
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
            try await change(
                .rejection(hash: hash, reason: error.description), key, actor: actor, expectedVersion: nil)
            throw .invalid(error)
        }
        return try await change(
            .put(source: source, outputContentType: outputContentType), key, actor: actor,
            expectedVersion: expectedVersion)
    }

    /// Stores a copy of version `target` as the next version of `key`.
    public func rollback(
        _ key: TemplateKey, to target: Int, actor: Actor, expectedVersion: Int? = nil
    ) async throws(TemplateStoreError) -> TemplateVersion {
        try await change(.rollback(to: target), key, actor: actor, expectedVersion: expectedVersion)
    }

    /// Marks `key` deleted: its stored template no longer applies (a `gateway.conf` template for the key applies
    /// again). History is kept.
    public func delete(_ key: TemplateKey, actor: Actor, expectedVersion: Int? = nil) async throws(TemplateStoreError)
        -> TemplateVersion
    {
        try await change(.delete, key, actor: actor, expectedVersion: expectedVersion)
    }

    /// A change of one key.
    enum Change: Sendable {
        case put(source: String, outputContentType: String?)
        case rollback(to: Int)
        case delete
        /// A template that did not compile: recorded in the audit log only.
        case rejection(hash: String, reason: String)
    }

    /// Applies `change` in one transaction: reads the key's latest version (and a rollback's target), decides the
    /// new version (``plan(_:_:latest:target:expectedVersion:actor:now:)``), appends it with its audit entry and
    /// bumps the revision.
    @discardableResult
    private func change(
        _ change: Change, _ key: TemplateKey, actor: Actor, expectedVersion: Int?
    ) async throws(TemplateStoreError) -> TemplateVersion {
        switch storage {
        case .sqlite(let pool):
            return try await Self.write(pool) { db in
                let latest = try Self.fetchVersion(db, key, nil)
                let target = try Self.rollbackTarget(change).flatMap { try Self.fetchVersion(db, key, $0) }
                let planned = try Self.plan(
                    change, key, latest: latest, target: target, expectedVersion: expectedVersion, actor: actor,
                    now: Date())
                try Self.store(planned, db)
                return planned.version
            }
        case .postgres(let store):
            return try await Self.postgres(store, write: true) { connection in
                try await connection.perform("SELECT pg_advisory_xact_lock(\(Self.writeLock))")
                let latest = try await Self.fetchVersion(connection, key, nil)
                let targetNumber = try Self.rollbackTarget(change)
                let target = try await targetNumber.asyncFlatMap { try await Self.fetchVersion(connection, key, $0) }
                let planned = try Self.plan(
                    change, key, latest: latest, target: target, expectedVersion: expectedVersion, actor: actor,
                    now: Date())
                try await Self.store(planned, connection)
                return planned.version
            }
        }
    }

    /// What a change stores: a version (nil for a rejection, which only audits) and its audit entry.
    struct Planned: Sendable {
        var version: TemplateVersion
        /// Whether ``version`` is stored (a rejection stores only the audit entry).
        var storesVersion: Bool
        var audit: TemplateAuditEntry
    }

    private static func rollbackTarget(_ change: Change) throws -> Int? {
        if case .rollback(let target) = change { return target }
        return nil
    }

    /// Decides what `change` stores, given the key's latest version and a rollback's target version.
    static func plan(
        _ change: Change, _ key: TemplateKey, latest: TemplateVersion?, target: TemplateVersion?,
        expectedVersion: Int?, actor: Actor, now: Date
    ) throws(TemplateStoreError) -> Planned {
        let createdAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded() / 1000)
        let next = (latest?.version ?? 0) + 1
        if case .rejection(let hash, let reason) = change {
            let version = TemplateVersion(
                key: key, version: next, action: .create, source: nil, outputContentType: nil, hash: hash,
                author: actor.author, createdAt: createdAt, restoredFrom: nil)
            return Planned(
                version: version, storesVersion: false,
                audit: TemplateAuditEntry(
                    id: 0, at: createdAt, actor: actor.author, origin: actor.origin, action: "rejected", key: key,
                    version: nil, hash: hash, detail: reason))
        }
        if let expectedVersion, expectedVersion != (latest?.version ?? 0) {
            throw .conflict(key: key, expected: expectedVersion, actual: latest?.version ?? 0)
        }
        let action: TemplateAction
        let source: String?
        let outputContentType: String?
        var restoredFrom: Int?
        switch change {
        case .put(let newSource, let newOutput):
            action = latest?.isLive == true ? .update : .create
            source = newSource
            outputContentType = newOutput ?? (latest?.isLive == true ? latest?.outputContentType : nil)
        case .rollback(let number):
            guard let target else { throw .notFound(key: key, version: number) }
            guard let targetSource = target.source else {
                throw .rejected(
                    "Version \(number) of template \(key) is a deletion; roll back to a version with a template.")
            }
            action = .rollback
            source = targetSource
            outputContentType = target.outputContentType
            restoredFrom = number
        case .delete:
            guard latest?.isLive == true else { throw .notFound(key: key, version: nil) }
            action = .delete
            source = nil
            outputContentType = nil
        case .rejection:
            preconditionFailure("handled above")
        }
        let version = TemplateVersion(
            key: key, version: next, action: action, source: source, outputContentType: outputContentType,
            hash: source.map(hash), author: actor.author, createdAt: createdAt, restoredFrom: restoredFrom)
        return Planned(
            version: version, storesVersion: true,
            audit: TemplateAuditEntry(
                id: 0, at: createdAt, actor: actor.author, origin: actor.origin, action: action.rawValue, key: key,
                version: next, hash: version.hash, detail: restoredFrom.map { "restored version \($0)" }))
    }

    /// The newest version of every key whose newest version is live.
    static let liveTemplatesSQL =
        latestVersionsSQL + " WHERE t.source IS NOT NULL ORDER BY t.endpoint, t.variant, t.direction, t.content_type"

    /// The newest version of every key, deletions included.
    static let latestVersionsSQL = """
        SELECT t.* FROM template_version t
        JOIN (SELECT endpoint, variant, direction, content_type, MAX(version) AS latest
              FROM template_version GROUP BY endpoint, variant, direction, content_type) m
          ON t.endpoint = m.endpoint AND t.variant = m.variant AND t.direction = m.direction
             AND t.content_type = m.content_type AND t.version = m.latest
        """

    /// SHA-256 of the UTF-8 text, in lowercase hex.
    public static func hash(_ source: String) -> String {
        SHA256.hash(data: Data(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    package static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    package static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}

extension Optional {
    /// `flatMap` with an async transform.
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
