import Foundation

/// What a key may do: its rate limit and quota (either may be absent).
public struct RateLimitPolicy: Sendable, Hashable {
    /// Token-bucket limit.
    public var rateLimit: RateLimit?
    /// Quota per period.
    public var quota: Quota?

    /// Creates a policy.
    public init(rateLimit: RateLimit?, quota: Quota?) {
        self.rateLimit = rateLimit
        self.quota = quota
    }

    /// Whether the policy limits anything.
    public var isUnlimited: Bool { rateLimit == nil && quota == nil }
}

/// Outcome of admitting one request.
public enum RateLimitDecision: Sendable, Equatable {
    /// Which limit refused a request.
    public enum Limit: String, Sendable {
        /// The token bucket is empty.
        case rate
        /// The quota of the current period is used up.
        case quota
    }

    /// The request may proceed.
    case allowed
    /// The request is refused; retry after `retryAfter` whole seconds (at least 1).
    case throttled(retryAfter: Int, limit: Limit)
}

/// The counters of one key: its bucket and its quota, admitted together so a refused request consumes neither.
///
/// This is the unit a shared store keeps per key (see `docs/adr/0021-rate-limit-store.md`).
public struct RateLimitState: Sendable, Equatable {
    /// The policy the counters were built for.
    public private(set) var policy: RateLimitPolicy
    /// Token bucket, when the policy has a rate limit.
    public private(set) var bucket: TokenBucket?
    /// Quota counter, when the policy has a quota.
    public private(set) var quota: QuotaCounter?

    /// Fresh counters for `policy`.
    public init(policy: RateLimitPolicy, now: Date) {
        self.policy = policy
        self.bucket = policy.rateLimit.map { TokenBucket(limit: $0, now: now) }
        self.quota = policy.quota.map { QuotaCounter(quota: $0, now: now) }
    }

    /// Fresh counters for `policy`, but the quota counted so far by `saved` when it counted the same quota.
    public init(policy: RateLimitPolicy, now: Date, saved: QuotaCounter?) {
        self.init(policy: policy, now: now)
        if let saved, saved.quota == policy.quota {
            var counter = saved
            counter.roll(now: now)
            quota = counter
        }
    }

    /// Adopts a changed policy, keeping the counters whose limit did not change.
    public mutating func update(policy newPolicy: RateLimitPolicy, now: Date) {
        guard newPolicy != policy else { return }
        if newPolicy.rateLimit != policy.rateLimit {
            bucket = newPolicy.rateLimit.map { TokenBucket(limit: $0, now: now) }
        }
        if newPolicy.quota != policy.quota {
            quota = newPolicy.quota.map { QuotaCounter(quota: $0, now: now) }
        }
        policy = newPolicy
    }

    /// Admits one request at `now`: allowed only when both the quota and the bucket have room, then both count it.
    public mutating func admit(now: Date) -> RateLimitDecision {
        if let quota {
            let wait = quota.waitTime(now: now)
            if wait > 0 { return .throttled(retryAfter: Self.wholeSeconds(wait), limit: .quota) }
        }
        if let bucket {
            let wait = bucket.waitTime(now: now)
            if wait > 0 { return .throttled(retryAfter: Self.wholeSeconds(wait), limit: .rate) }
        }
        _ = bucket?.take(now: now)
        _ = quota?.consume(now: now)
        return .allowed
    }

    /// A wait as whole seconds for `Retry-After`: at least 1, at most a year (a quota window is at most a month).
    private static func wholeSeconds(_ interval: TimeInterval) -> Int {
        guard interval.isFinite else { return 31_536_000 }
        return Int(min(max(1, interval.rounded(.up)), 31_536_000))
    }
}
