/// Least-outstanding-requests choice among a variant's backends.
package enum BackendSelection {
    /// The available backend with the fewest requests in flight, skipping `excluded`; ties go to a random one.
    package static func leastOutstanding(
        _ backends: [Backend], excluding excluded: [Backend], now: ContinuousClock.Instant,
        using generator: inout some RandomNumberGenerator
    ) -> Backend? {
        var best: Backend?
        var bestLoad = Int.max
        var ties = 0
        for backend in backends where !excluded.contains(where: { $0 === backend }) && backend.isAvailable(now: now) {
            let load = backend.outstanding
            if load < bestLoad {
                best = backend
                bestLoad = load
                ties = 1
            } else if load == bestLoad {
                ties += 1
                if Int.random(in: 0..<ties, using: &generator) == 0 { best = backend }
            }
        }
        return best
    }
}
