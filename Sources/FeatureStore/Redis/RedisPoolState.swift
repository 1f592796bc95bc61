import NIOCore

/// The state of a small Redis connection pool, as a plain value: which slots are connected, connecting or backing
/// off, and how many commands each connection carries.
///
/// The pool (``RedisClient``) asks it what to do and performs the returned actions; this type does no I/O, so every
/// transition is unit-tested without sockets. Connections are opened lazily: the first lease connects one slot, and
/// further slots connect when the least-loaded connection already carries `growThreshold` commands. A failed connect
/// starts a pool-wide exponential backoff: until it ends, no slot connects and leases without a connection fail at
/// once (callers serve stale or default values instead of waiting); the first lease after it reconnects.
struct RedisPoolState<Connection> {
    /// Sizing and backoff.
    struct Configuration: Sendable {
        /// Number of connections at most.
        var size: Int
        /// Backoff after the first failed connect; doubles per further failure.
        var backoffBase: TimeAmount
        /// Upper bound of the backoff.
        var backoffMax: TimeAmount
        /// Open another connection when the least-loaded one already carries this many commands.
        var growThreshold: Int
    }

    enum Slot {
        case idle
        case connecting(id: Int)
        case ready(id: Int, connection: Connection, inFlight: Int)
    }

    /// A connection lent for one request; give it back with ``release(_:)``.
    struct Lease {
        let slot: Int
        let id: Int
        let connection: Connection
    }

    /// A connect the caller must start for `slot`, reporting back with `id`.
    struct Connect: Equatable {
        let slot: Int
        let id: Int
    }

    enum LeaseAction {
        /// Send on this connection; also start `connect` if given (growing the pool).
        case use(Lease, connect: Connect?)
        /// Start `connect`, then wait for a connect to finish and lease again.
        case connectAndWait(Connect)
        /// Wait for a connect in progress to finish and lease again.
        case wait
        /// Fail the request at once.
        case fail(RedisError)
    }

    /// What to do with requests waiting for a connection after a connect finished.
    enum WaitersAction: Equatable {
        /// Let them lease again.
        case retry
        /// Fail them with this error.
        case fail(RedisError)
        /// Leave them waiting (another connect is still in progress).
        case keepWaiting
    }

    let configuration: Configuration
    private(set) var slots: [Slot]
    private(set) var consecutiveFailures = 0
    private(set) var lastError = "no connection attempted yet"
    private(set) var isShutdown = false
    /// No connect starts before this (set after a failed connect).
    private(set) var retryAt: NIODeadline?
    private var nextID = 0

    init(configuration: Configuration) {
        self.configuration = configuration
        self.slots = Array(repeating: .idle, count: max(1, configuration.size))
    }

    /// Chooses a connection for a request.
    mutating func lease(now: NIODeadline) -> LeaseAction {
        if isShutdown { return .fail(.shutdown) }
        var best: (slot: Int, id: Int, connection: Connection, inFlight: Int)?
        var connecting = false
        var connectable: Int?
        for (index, slot) in slots.enumerated() {
            switch slot {
            case .ready(let id, let connection, let inFlight):
                if best == nil || inFlight < best?.inFlight ?? .max { best = (index, id, connection, inFlight) }
            case .connecting:
                connecting = true
            case .idle:
                if connectable == nil { connectable = index }
            }
        }
        if let retryAt, now < retryAt { connectable = nil }
        if let best {
            slots[best.slot] = .ready(id: best.id, connection: best.connection, inFlight: best.inFlight + 1)
            var grow: Connect?
            if best.inFlight >= configuration.growThreshold, !connecting, let connectable {
                grow = startConnect(slot: connectable)
            }
            return .use(Lease(slot: best.slot, id: best.id, connection: best.connection), connect: grow)
        }
        if connecting { return .wait }
        if let connectable { return .connectAndWait(startConnect(slot: connectable)) }
        return .fail(.unavailable(lastError: lastError))
    }

    /// Gives a leased connection back.
    mutating func release(_ lease: Lease) {
        guard case .ready(let id, let connection, let inFlight) = slots[lease.slot], id == lease.id else { return }
        slots[lease.slot] = .ready(id: id, connection: connection, inFlight: max(0, inFlight - 1))
    }

    /// A connect succeeded. Returns `false` if the pool shut down meanwhile (the caller closes the connection).
    mutating func connected(_ connect: Connect, connection: Connection) -> Bool {
        guard !isShutdown, case .connecting(let id) = slots[connect.slot], id == connect.id else { return false }
        slots[connect.slot] = .ready(id: connect.id, connection: connection, inFlight: 0)
        consecutiveFailures = 0
        retryAt = nil
        return true
    }

    /// A connect failed: the pool backs off. Returns what to do with waiting requests.
    mutating func connectFailed(_ connect: Connect, error: RedisError, now: NIODeadline) -> WaitersAction {
        lastError = error.description
        guard case .connecting(let id) = slots[connect.slot], id == connect.id else { return .keepWaiting }
        consecutiveFailures += 1
        retryAt = now + backoff(failures: consecutiveFailures)
        slots[connect.slot] = .idle
        let stillConnecting = slots.contains { if case .connecting = $0 { true } else { false } }
        if stillConnecting { return .keepWaiting }
        let anyReady = slots.contains { if case .ready = $0 { true } else { false } }
        return anyReady ? .retry : .fail(error)
    }

    /// A connection closed (server gone, timeout, I/O error): its slot reconnects on the next lease.
    mutating func closed(slot: Int, id: Int) {
        guard case .ready(let current, _, _) = slots[slot], current == id else { return }
        slots[slot] = .idle
    }

    /// Shuts the pool down and returns the connections to close.
    mutating func shutdown() -> [Connection] {
        isShutdown = true
        var open: [Connection] = []
        for slot in slots {
            if case .ready(_, let connection, _) = slot { open.append(connection) }
        }
        slots = Array(repeating: .idle, count: slots.count)
        return open
    }

    /// The backoff after `failures` consecutive failed connects: base × 2^(failures−1), at most the maximum.
    func backoff(failures: Int) -> TimeAmount {
        let exponent = min(max(failures - 1, 0), 30)
        let nanoseconds = configuration.backoffBase.nanoseconds.multipliedReportingOverflow(by: Int64(1) << exponent)
        if nanoseconds.overflow { return configuration.backoffMax }
        return .nanoseconds(min(nanoseconds.partialValue, configuration.backoffMax.nanoseconds))
    }

    /// The number of connected slots.
    var readyCount: Int {
        slots.reduce(0) { count, slot in if case .ready = slot { count + 1 } else { count } }
    }

    private mutating func startConnect(slot: Int) -> Connect {
        nextID += 1
        slots[slot] = .connecting(id: nextID)
        return Connect(slot: slot, id: nextID)
    }
}
