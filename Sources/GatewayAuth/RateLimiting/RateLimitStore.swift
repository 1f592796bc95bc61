import Foundation
import Synchronization

/// Where per-key rate-limit counters live. In-process today; a cluster can keep them in Redis by running
/// ``RateLimitState/admit(now:)`` as one Lua script per key (see `docs/adr/0021-rate-limit-store.md`).
public protocol RateLimitStore: Sendable {
    /// Atomically admits one request for `key` under `policy` at `now`.
    func admit(key: String, policy: RateLimitPolicy, now: Date) async -> RateLimitDecision

    /// Admits one request for `key` when that can be decided without waiting (counters in this process), so that
    /// an invocation need not leave its event loop for it; nil when it needs ``admit(key:policy:now:)``.
    func admitImmediately(key: String, policy: RateLimitPolicy, now: Date) -> RateLimitDecision?
}

extension RateLimitStore {
    /// A store that has to wait (one in another process) decides nothing at once.
    public func admitImmediately(key: String, policy: RateLimitPolicy, now: Date) -> RateLimitDecision? { nil }
}

/// Counters in this process's memory, one ``RateLimitState`` per key behind a mutex.
public final class InMemoryRateLimitStore: RateLimitStore {
    private let states = Mutex<[String: RateLimitState]>([:])

    /// Creates an empty store.
    public init() {}

    /// Admits one request for `key`, creating or updating its counters for `policy`.
    public func admit(key: String, policy: RateLimitPolicy, now: Date) async -> RateLimitDecision {
        admitNow(key: key, policy: policy, now: now)
    }

    /// Decides at once: the counters are in memory.
    public func admitImmediately(key: String, policy: RateLimitPolicy, now: Date) -> RateLimitDecision? {
        admitNow(key: key, policy: policy, now: now)
    }

    private func admitNow(key: String, policy: RateLimitPolicy, now: Date) -> RateLimitDecision {
        states.withLock { states in
            var state = states[key] ?? RateLimitState(policy: policy, now: now)
            state.update(policy: policy, now: now)
            let decision = state.admit(now: now)
            states[key] = state
            return decision
        }
    }
}
