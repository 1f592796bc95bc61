import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The state a fleet of gateways shares (API keys, template versions, the audit log) in one PostgreSQL database.
///
/// Replicas keep what they loaded in memory and learn of changes through `LISTEN`/`NOTIFY` on ``channel``: every
/// write bumps its topic's revision (``bumpRevision(_:on:)``) and notifies in the same transaction, so the
/// notification arrives only once the change is committed. A dedicated listening connection also watches the server
/// (a `SELECT 1` every ``heartbeatInterval``); when it is lost, subscribers keep their last state, writes fail at once
/// with ``PostgresStateError/Kind/unavailable`` (the admin API's 503), `mlgateway_state_store_up` reads 0, and on
/// reconnection every subscriber is told to resynchronise (``StateChange/resynchronize``), since notifications sent
/// meanwhile are lost.
public final class PostgresStateStore: Service, Sendable {
    /// The database's location (its password redacted in ``PostgresLocation/redacted``).
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    private let state = Mutex(State())
    private let up = Gauge(label: "mlgateway_state_store_up")

    /// The `NOTIFY` channel; the payload is the topic that changed.
    public static let channel = "mlgateway_state"
    /// Longest wait for one operation: beyond it the store counts as unreachable for that operation.
    public static let timeout = Duration.seconds(5)
    /// Pause between attempts to reconnect the listening connection.
    static let reconnectDelay = Duration.milliseconds(500)
    /// How often the listening connection checks that the server still answers.
    static let heartbeatInterval = Duration.seconds(1)
    /// The advisory lock under which migrations run, so that replicas starting together migrate once.
    static let migrationLock: Int64 = 0x6D6C_6777_6D69_6772

    private struct State {
        /// Whether ``run()`` watches the server; only then does an unreachable server fail operations at once.
        var watching = false
        var reachable = false
        var lastError: String?
        var subscribers: [Int: AsyncStream<StateChange>.Continuation] = [:]
        var nextSubscriber = 0
        /// Migrations this process applied or found applied, so that later calls return at once.
        var migrated: Set<String> = []
    }

    /// Creates a store for `location`; nothing connects until ``run()`` or ``withRunning(_:)``.
    public init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
        self.client = PostgresClient(configuration: location.clientConfiguration, backgroundLogger: logger)
        up.record(0)
    }

    /// Whether the listening connection is up (always false before ``run()`` connected).
    public var isReachable: Bool { state.withLock { $0.reachable } }

    /// Why the server is unreachable, while it is.
    public var unreachableReason: String? { state.withLock { $0.reachable ? nil : $0.lastError } }

    /// Runs the connection pool and the listening connection until graceful shutdown or cancellation.
    public func run() async {
        state.withLock { $0.watching = true }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.client.run() }
                group.addTask { await self.listen() }
            }
        }
        finishSubscribers()
    }

    /// Starts the connection pool for the rest of the process, without the listening connection: for one-shot
    /// commands (the CLI), whose process ends with the command.
    public func startForCommand() {
        Task { await client.run() }
    }

    /// Changes from now on, until ``run()`` ends.
    public func changes() -> AsyncStream<StateChange> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: StateChange.self, bufferingPolicy: .bufferingNewest(64))
        let id = state.withLock { state in
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = continuation
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    // MARK: Operations

    /// Runs `body` in a transaction, within ``timeout``.
    ///
    /// - Throws: what `body` throws, or ``PostgresStateError`` for the database's failures.
    func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await bounded {
            try await self.client.withTransaction(logger: self.logger) { connection in try await body(connection) }
        }
    }

    /// Runs `body` on a pooled connection without a transaction, within ``timeout``.
    ///
    /// - Throws: what `body` throws, or ``PostgresStateError`` for the database's failures.
    func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await bounded { try await self.client.withConnection { connection in try await body(connection) } }
    }

    /// Runs `body` after making sure `migrations` are applied (once per process): in a transaction when
    /// `transaction`, else on a pooled connection; within ``timeout``. How every component reaches its tables.
    public func perform<T: Sendable>(
        migrating migrations: [PostgresMigration], transaction: Bool,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await migrate(migrations)
        return transaction ? try await self.transaction(body) : try await withConnection(body)
    }

    /// Applies the migrations not applied yet, in order, once across replicas that start together. Cheap once done:
    /// components call it before their first use of their tables.
    public func migrate(_ migrations: [PostgresMigration]) async throws(PostgresStateError) {
        guard !state.withLock({ state in migrations.allSatisfy { state.migrated.contains($0.id) } }) else { return }
        do {
            try await transaction { connection in
                try await connection.perform("SELECT pg_advisory_xact_lock(\(Self.migrationLock))")
                for statement in Self.ownTables {
                    try await connection.perform(PostgresQuery(unsafeSQL: statement))
                }
                var applied = Set<String>()
                for try await id in try await connection.perform("SELECT id FROM mlgateway_migration").decode(
                    String.self)
                {
                    applied.insert(id)
                }
                for migration in migrations where !applied.contains(migration.id) {
                    for statement in migration.statements {
                        try await connection.perform(PostgresQuery(unsafeSQL: statement))
                    }
                    try await connection.perform("INSERT INTO mlgateway_migration (id) VALUES (\(migration.id))")
                }
            }
            state.withLock { $0.migrated.formUnion(migrations.map(\.id)) }
        } catch {
            throw PostgresStateError.classify(error)
        }
    }

    /// The store's own tables: applied migrations and one revision counter per topic.
    private static let ownTables = [
        """
        CREATE TABLE IF NOT EXISTS mlgateway_migration (
            id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
        """,
        "CREATE TABLE IF NOT EXISTS mlgateway_revision (topic TEXT PRIMARY KEY, revision BIGINT NOT NULL)",
    ]

    /// Bumps `topic`'s revision and notifies the fleet when the surrounding transaction commits.
    public static func bumpRevision(_ topic: String, on connection: PostgresConnection) async throws {
        try await connection.perform(
            """
            INSERT INTO mlgateway_revision (topic, revision) VALUES (\(topic), 1)
            ON CONFLICT (topic) DO UPDATE SET revision = mlgateway_revision.revision + 1
            """)
        try await connection.perform("SELECT pg_notify(\(channel), \(topic))")
    }

    /// `topic`'s revision (0 before its first change).
    public static func revision(_ topic: String, on connection: PostgresConnection) async throws -> Int64 {
        for try await revision in try await connection.perform(
            "SELECT revision FROM mlgateway_revision WHERE topic = \(topic)"
        ).decode(Int64.self) {
            return revision
        }
        return 0
    }

    // MARK: Internals

    private func bounded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        // Fail at once while the listening connection knows the server is lost (not before its first attempt).
        if let reason = state.withLock({ $0.watching && !$0.reachable ? $0.lastError : nil }) {
            throw PostgresStateError(kind: .unavailable, message: reason)
        }
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: Self.timeout)
                    throw PostgresStateError.timedOut(after: Self.timeout)
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch let error as PSQLError {
            throw PostgresStateError.classify(error)
        }
    }

    /// Keeps one connection listening on ``channel`` and checking the server, reconnecting after a loss.
    private func listen() async {
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try location.connectionConfiguration, id: 0, logger: logger)
                do {
                    try await listen(on: connection)
                } catch {
                    try? await connection.close()
                    throw error
                }
            } catch {
                guard !Task.isCancelled else { return }
                unreachable(PostgresStateError.classify(error))
            }
            try? await Task.sleep(for: Self.reconnectDelay)
        }
    }

    /// Forwards `connection`'s notifications to the subscribers until it fails (it never ends otherwise).
    private func listen(on connection: PostgresConnection) async throws {
        try await connection.listen(on: Self.channel) { notifications in
            reachable()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await notification in notifications {
                        self.broadcast(.changed(topic: notification.payload))
                    }
                    throw PostgresStateError(kind: .unavailable, message: "the listening connection closed")
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: Self.heartbeatInterval)
                        try await self.heartbeat(connection)
                    }
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }

    private func heartbeat(_ connection: PostgresConnection) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.perform("SELECT 1") }
            group.addTask {
                try await Task.sleep(for: Self.timeout)
                throw PostgresStateError.timedOut(after: Self.timeout)
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func reachable() {
        let wasDown = state.withLock { state in
            defer {
                state.reachable = true
                state.lastError = nil
            }
            return !state.reachable
        }
        up.record(1)
        if wasDown {
            logger.info("State store reachable", metadata: ["state.location": "\(location.redacted)"])
        }
        broadcast(.resynchronize)
    }

    private func unreachable(_ error: PostgresStateError) {
        let wasUp = state.withLock { state in
            defer {
                state.reachable = false
                state.lastError = error.message
            }
            return state.reachable || state.lastError == nil
        }
        up.record(0)
        if wasUp {
            logger.error(
                "State store unreachable; serving the state loaded last",
                metadata: ["state.location": "\(location.redacted)", "state.error": "\(error.message)"])
        }
    }

    private func broadcast(_ change: StateChange) {
        for continuation in state.withLock({ Array($0.subscribers.values) }) { continuation.yield(change) }
    }

    private func finishSubscribers() {
        for continuation in state.withLock({ Array($0.subscribers.values) }) { continuation.finish() }
    }
}

/// What a subscriber of ``PostgresStateStore/changes()`` is told.
public enum StateChange: Sendable, Equatable {
    /// A committed change of `topic`.
    case changed(topic: String)
    /// The listening connection (re)connected: changes may have been missed, reload everything.
    case resynchronize
}

/// A schema change, applied once (its ``id`` recorded in `mlgateway_migration`).
public struct PostgresMigration: Sendable {
    /// Unique, prefixed by the owning component (`api_key.v1`).
    public var id: String
    /// DDL statements, run in order in one transaction.
    public var statements: [String]

    /// Creates a migration.
    public init(id: String, statements: [String]) {
        self.id = id
        self.statements = statements
    }
}
