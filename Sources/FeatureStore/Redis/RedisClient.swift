import Logging
import NIOCore
import NIOPosix

/// A small pool of pipelined Redis connections (hiredis protocol handling under SwiftNIO).
///
/// Concurrent commands share few connections: each is written at once and replies are matched in order, so many
/// commands are in flight per connection. Connections open lazily, reconnect after failures with exponential
/// backoff, and while Redis is unreachable commands fail fast with ``RedisError/unavailable(lastError:)``.
public final class RedisClient: Sendable {
    /// Connection settings.
    public struct Configuration: Sendable {
        /// Where Redis is, with optional password and database.
        public var url: RedisURL
        /// Number of connections at most.
        public var poolSize: Int
        /// Time allowed to connect (TCP, `AUTH`, `SELECT`).
        public var connectTimeout: Duration
        /// Time allowed for a reply; on expiry the connection closes and its pending commands fail.
        public var commandTimeout: Duration
        /// Backoff after the first failed connect; doubles per further failure.
        public var backoffBase: Duration
        /// Upper bound of the reconnect backoff.
        public var backoffMax: Duration

        /// Creates settings; defaults suit a Redis on the same network.
        public init(
            url: RedisURL, poolSize: Int = 2, connectTimeout: Duration = .seconds(1),
            commandTimeout: Duration = .seconds(1), backoffBase: Duration = .milliseconds(100),
            backoffMax: Duration = .seconds(5)
        ) {
            self.url = url
            self.poolSize = poolSize
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.backoffBase = backoffBase
            self.backoffMax = backoffMax
        }
    }

    private struct State {
        var pool: RedisPoolState<RedisConnection>
        var waiters: [Int: CheckedContinuation<RedisPoolState<RedisConnection>.Lease?, any Error>] = [:]
        var nextWaiter = 0
    }

    /// The settings in use.
    public let configuration: Configuration
    /// The event loops of its connections (also the feature service's lookup budget timers).
    let group: EventLoopGroup
    private let logger: Logger
    private let state: Locked<State>

    /// Creates a client; nothing connects until the first command.
    public init(
        configuration: Configuration, eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "mlgateway.redis")
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.logger = logger
        let poolConfiguration = RedisPoolState<RedisConnection>.Configuration(
            size: configuration.poolSize, backoffBase: TimeAmount(configuration.backoffBase),
            backoffMax: TimeAmount(configuration.backoffMax), growThreshold: 4)
        self.state = Locked(State(pool: RedisPoolState(configuration: poolConfiguration)))
    }

    /// Sends one command and returns its reply; an error reply throws ``RedisError/server(_:)``.
    @discardableResult
    public func command(_ arguments: [String]) async throws(RedisError) -> RESPValue {
        try await command(encoded: RESPEncoder.encode(arguments))
    }

    /// Sends one command of binary arguments and returns its reply; an error reply throws
    /// ``RedisError/server(_:)``.
    @discardableResult
    public func command(bytes arguments: [[UInt8]]) async throws(RedisError) -> RESPValue {
        try await command(encoded: RESPEncoder.encode(bytes: arguments))
    }

    private func command(encoded: ByteBuffer) async throws(RedisError) -> RESPValue {
        let replies = try await withConnection { connection throws(RedisError) in
            try await connection.send(encoded, replyCount: 1)
        }
        return try (replies.first ?? .null).throwingServerError()
    }

    /// Sends several commands in one write on one connection and returns their replies in order; error replies are
    /// returned as ``RESPValue/error(_:)``, not thrown. Wrap them in `MULTI`/`EXEC` to apply them atomically.
    public func pipeline(_ commands: [[String]]) async throws(RedisError) -> [RESPValue] {
        try await pipeline(bytes: commands.map { $0.map(\.utf8) })
    }

    /// ``pipeline(_:)`` for commands of binary arguments.
    public func pipeline<Argument: Collection<UInt8>>(
        bytes commands: [[Argument]]
    ) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        var buffer = ByteBufferAllocator().buffer(capacity: 64 * commands.count)
        for command in commands { RESPEncoder.encode(bytes: command, into: &buffer) }
        let bytes = buffer
        return try await withConnection { connection throws(RedisError) in
            try await connection.send(bytes, replyCount: commands.count)
        }
    }

    /// The number of open connections.
    public var openConnections: Int {
        state.withLock { $0.pool.readyCount }
    }

    /// Closes every connection; later commands fail with ``RedisError/shutdown``.
    public func shutdown() async {
        let (connections, waiters) = state.withLock { state in
            let waiters = state.waiters
            state.waiters = [:]
            return (state.pool.shutdown(), waiters)
        }
        for waiter in waiters.values { waiter.resume(throwing: RedisError.shutdown) }
        for connection in connections {
            connection.close()
            try? await connection.closeFuture.get()
        }
    }

    private func withConnection<Result>(
        _ body: (RedisConnection) async throws(RedisError) -> Result
    ) async throws(RedisError) -> Result {
        let lease = try await lease()
        defer { state.withLock { $0.pool.release(lease) } }
        return try await body(lease.connection)
    }

    private func lease() async throws(RedisError) -> RedisPoolState<RedisConnection>.Lease {
        var connect: RedisPoolState<RedisConnection>.Connect?
        switch state.withLock({ $0.pool.lease(now: .now()) }) {
        case .use(let lease, let grow):
            if let grow { startConnect(grow) }
            return lease
        case .fail(let error):
            throw error
        case .connectAndWait(let pending):
            connect = pending
        case .wait:
            connect = nil
        }
        while true {
            if let lease = try await leaseOrWait(starting: connect) { return lease }
            connect = nil
        }
    }

    /// Waits for a connect to finish and returns `nil` (lease again), or leases at once.
    ///
    /// With `connect`, registers as a waiter and then starts that connect (it cannot finish before the
    /// registration). Without, leases again and, when no connection is ready, registers as a waiter in the same
    /// critical section, so a connect finishing meanwhile cannot be missed.
    private func leaseOrWait(
        starting connect: RedisPoolState<RedisConnection>.Connect?
    ) async throws(RedisError) -> RedisPoolState<RedisConnection>.Lease? {
        typealias Lease = RedisPoolState<RedisConnection>.Lease
        do {
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Lease?, any Error>) in
                if let connect {
                    state.withLock { state in
                        state.nextWaiter += 1
                        state.waiters[state.nextWaiter] = continuation
                    }
                    startConnect(connect)
                    return
                }
                let action = state.withLock { state in
                    let action = state.pool.lease(now: .now())
                    switch action {
                    case .wait, .connectAndWait:
                        state.nextWaiter += 1
                        state.waiters[state.nextWaiter] = continuation
                    case .use, .fail:
                        break
                    }
                    return action
                }
                switch action {
                case .use(let lease, let grow):
                    if let grow { startConnect(grow) }
                    continuation.resume(returning: lease)
                case .connectAndWait(let connect):
                    startConnect(connect)
                case .wait:
                    break
                case .fail(let error):
                    continuation.resume(throwing: error)
                }
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError.connectionError("\(error)")
        }
    }

    private func startConnect(_ connect: RedisPoolState<RedisConnection>.Connect) {
        let configuration = configuration
        Task {
            do throws(RedisError) {
                let connection = try await RedisConnection.connect(
                    to: configuration.url, group: group, connectTimeout: TimeAmount(configuration.connectTimeout),
                    commandTimeout: TimeAmount(configuration.commandTimeout))
                connected(connect, connection: connection)
            } catch {
                connectFailed(connect, error: error)
            }
        }
    }

    private func connected(_ connect: RedisPoolState<RedisConnection>.Connect, connection: RedisConnection) {
        let (accepted, waiters) = state.withLock { state in
            let accepted = state.pool.connected(connect, connection: connection)
            let waiters = state.waiters
            state.waiters = [:]
            return (accepted, waiters)
        }
        guard accepted else {
            connection.close()
            for waiter in waiters.values { waiter.resume(throwing: RedisError.shutdown) }
            return
        }
        logger.debug("Redis connected", metadata: ["redis": "\(configuration.url)", "slot": "\(connect.slot)"])
        connection.closeFuture.whenComplete { [weak self] _ in
            self?.state.withLock { $0.pool.closed(slot: connect.slot, id: connect.id) }
            self?.logger.debug("Redis connection closed", metadata: ["slot": "\(connect.slot)"])
        }
        for waiter in waiters.values { waiter.resume(returning: nil) }
    }

    private func connectFailed(_ connect: RedisPoolState<RedisConnection>.Connect, error: RedisError) {
        let (action, waiters) = state.withLock {
            state -> (
                RedisPoolState<RedisConnection>.WaitersAction,
                [CheckedContinuation<RedisPoolState<RedisConnection>.Lease?, any Error>]
            ) in
            let action = state.pool.connectFailed(connect, error: error, now: .now())
            guard action != .keepWaiting else { return (action, []) }
            let waiters = Array(state.waiters.values)
            state.waiters = [:]
            return (action, waiters)
        }
        logger.warning("Redis connect failed", metadata: ["redis": "\(configuration.url)", "error": "\(error)"])
        switch action {
        case .retry:
            for waiter in waiters { waiter.resume(returning: nil) }
        case .fail(let error):
            for waiter in waiters { waiter.resume(throwing: error) }
        case .keepWaiting:
            break
        }
    }
}
