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
///
/// Quota counts can outlive the process: ``restore(_:)`` seeds the counters saved at the last run, and
/// ``takeChangedQuotas()`` hands over those that changed since it was last called, for saving.
public final class InMemoryRateLimitStore: RateLimitStore {
    private struct Counters {
        var states: [String: RateLimitState] = [:]
        /// Saved quota counts of keys not seen yet in this run.
        var saved: [String: QuotaCounter] = [:]
        /// Keys whose quota count changed since ``takeChangedQuotas()`` was last called.
        var changed: Set<String> = []
    }

    private let counters = Mutex(Counters())

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

    /// Seeds quota counts saved by an earlier run; each applies when its key is next admitted under the same quota.
    public func restore(_ saved: [String: QuotaCounter]) {
        counters.withLock { $0.saved.merge(saved) { _, new in new } }
    }

    /// The quota counters that changed since the last call.
    public func takeChangedQuotas() -> [String: QuotaCounter] {
        counters.withLock { counters in
            var changed: [String: QuotaCounter] = [:]
            for key in counters.changed {
                if let quota = counters.states[key]?.quota { changed[key] = quota }
            }
            counters.changed.removeAll(keepingCapacity: true)
            return changed
        }
    }

    /// Marks keys' quota counts as changed again (their save failed), so that the next save includes them.
    public func markChanged(_ keys: some Sequence<String>) {
        counters.withLock { $0.changed.formUnion(keys) }
    }

    private func admitNow(key: String, policy: RateLimitPolicy, now: Date) -> RateLimitDecision {
        counters.withLock { counters in
            var state =
                counters.states[key]
                ?? RateLimitState(policy: policy, now: now, saved: counters.saved.removeValue(forKey: key))
            state.update(policy: policy, now: now)
            let decision = state.admit(now: now)
            counters.states[key] = state
            if decision == .allowed, policy.quota != nil { counters.changed.insert(key) }
            return decision
        }
    }
}
