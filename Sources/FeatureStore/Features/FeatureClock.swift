import Foundation

/// The clocks the feature service uses: a monotonic one for cache TTLs and the wall clock for `max_age`.
struct FeatureClock: Sendable {
    /// Monotonic now.
    var now: @Sendable () -> ContinuousClock.Instant
    /// Wall-clock now in Unix milliseconds (compared with `_ts`).
    var unixMilliseconds: @Sendable () -> Int64

    /// The system clocks.
    static let system = FeatureClock(
        now: { ContinuousClock.now },
        unixMilliseconds: { Int64((Date().timeIntervalSince1970 * 1000).rounded()) })
}
