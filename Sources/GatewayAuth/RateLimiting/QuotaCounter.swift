import Foundation

/// Requests counted against a ``Quota`` in the current window; the count starts over when the window ends.
public struct QuotaCounter: Sendable, Equatable {
    /// The quota.
    public let quota: Quota
    /// Requests counted in the current window.
    public private(set) var used: Int
    /// End of the current window.
    public private(set) var windowEnd: Date

    /// An empty counter for the window containing `now`.
    public init(quota: Quota, now: Date) {
        self.quota = quota
        self.used = 0
        self.windowEnd = quota.period.windowEnd(containing: now)
    }

    /// A counter as saved: `used` requests counted in the window ending at `windowEnd`.
    public init(quota: Quota, used: Int, windowEnd: Date) {
        self.quota = quota
        self.used = used
        self.windowEnd = windowEnd
    }

    /// Starts a new window when `now` is past the current one.
    public mutating func roll(now: Date) {
        guard now >= windowEnd else { return }
        used = 0
        windowEnd = quota.period.windowEnd(containing: now)
    }

    /// Seconds until the quota has room again (0 when it has room now).
    public func waitTime(now: Date) -> TimeInterval {
        var counter = self
        counter.roll(now: now)
        return counter.used < quota.limit ? 0 : counter.windowEnd.timeIntervalSince(now)
    }

    /// Counts one request if the quota has room; returns whether it did.
    public mutating func consume(now: Date) -> Bool {
        roll(now: now)
        guard used < quota.limit else { return false }
        used += 1
        return true
    }
}
