import Metrics
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The most connections a listener keeps open at once (`[server] max_connections` for the client listener).
///
/// A connection over the limit is closed as soon as it is accepted, before anything is read from it, so a flood of
/// idle connections cannot use up the process's file descriptors: the admin listener, the health checks, backend
/// connections, Redis and capture files keep the reserve below the descriptor limit. Accept errors such as
/// `EMFILE` are NIO's `AcceptBackoffHandler`'s, which every server bootstrap has: it pauses accepting for a second
/// instead of spinning.
final class ConnectionLimit: Sendable {
    /// The limit.
    let maximum: Int
    private let open = Atomic<Int>(0)
    private let refused: Counter

    init(maximum: Int, listener: String) {
        self.maximum = maximum
        self.refused = Counter(label: "mlgateway_connections_refused_total", dimensions: [("listener", listener)])
    }

    /// Counts a new connection in; false when the listener is at its limit (the connection is refused and counted).
    func admit() -> Bool {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard count <= maximum else {
            open.wrappingSubtract(1, ordering: .relaxed)
            refused.increment()
            return false
        }
        return true
    }

    /// Counts an admitted connection out.
    func release() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    /// The file descriptors the process may open: its soft limit, raised first to the hard limit (as Go's runtime
    /// does), since a gateway's connections are its descriptors.
    static func descriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The default client connection limit for `descriptors`: all of them but a reserve (a tenth, at least 256)
    /// for the admin listener, backends, Redis and files.
    static func defaultMaximum(descriptors: Int) -> Int {
        max(1, descriptors - max(256, descriptors / 10))
    }

    /// The admin listener's limit: operators and metric scrapers need few connections.
    static let adminMaximum = 128
}
