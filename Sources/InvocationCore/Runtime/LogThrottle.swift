import Synchronization

/// Lets a repeated log line (the same failure of one backend or endpoint) through at most once per interval, and
/// says how many it held back since, so that an outage writes a line every few seconds instead of one per request.
///
/// Metrics count every failure; the log says that it goes on, and how often.
package final class LogThrottle: Sendable {
    private struct Entry {
        var written: ContinuousClock.Instant
        var heldBack: Int
    }

    /// The throttle of the lines that follow a failed request or backend call.
    package static let failures = LogThrottle(interval: .seconds(10))

    /// The most keys remembered; past it the memory starts again, which at worst lets one line per key through.
    private static let maxKeys = 10_000

    private let interval: Duration
    private let entries = Mutex<[String: Entry]>([:])

    package init(interval: Duration) {
        self.interval = interval
    }

    /// Whether the line of `key` is written now: nil when it is held back, otherwise the number of its lines held
    /// back since the last one written.
    package func admit(_ key: String, now: ContinuousClock.Instant = .now) -> Int? {
        entries.withLock { entries in
            if var entry = entries[key] {
                guard now - entry.written >= interval else {
                    entry.heldBack += 1
                    entries[key] = entry
                    return nil
                }
                entries[key] = Entry(written: now, heldBack: 0)
                return entry.heldBack
            }
            if entries.count >= Self.maxKeys { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(written: now, heldBack: 0)
            return 0
        }
    }
}
