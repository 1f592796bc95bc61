import Foundation

/// A token bucket: holds up to `capacity` tokens, refilled continuously at `rate` tokens per second; each request
/// takes one.
public struct TokenBucket: Sendable, Equatable {
    /// Refill rate in tokens per second.
    public let rate: Double
    /// Largest number of tokens held.
    public let capacity: Double
    /// Tokens available at ``updatedAt``.
    public private(set) var tokens: Double
    /// Time of the last refill.
    public private(set) var updatedAt: Date

    /// A full bucket for `limit`.
    public init(limit: RateLimit, now: Date) {
        self.rate = limit.perSecond
        self.capacity = Double(limit.burst)
        self.tokens = Double(limit.burst)
        self.updatedAt = now
    }

    /// Adds the tokens earned since ``updatedAt`` (a clock going backwards adds nothing).
    public mutating func refill(now: Date) {
        let elapsed = now.timeIntervalSince(updatedAt)
        guard elapsed > 0 else { return }
        tokens = min(capacity, tokens + elapsed * rate)
        updatedAt = now
    }

    /// Seconds until one token is available after a refill at `now` (0 when one is available now).
    public func waitTime(now: Date) -> TimeInterval {
        var bucket = self
        bucket.refill(now: now)
        return bucket.tokens >= 1 ? 0 : (1 - bucket.tokens) / rate
    }

    /// Takes one token if available; returns whether it did.
    public mutating func take(now: Date) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
