import Foundation
import Metrics

/// Applies each key's rate limit and quota; counts refusals in `mlgateway_auth_throttled_total{key}`.
public struct RateLimiter: Sendable {
    private let store: any RateLimitStore

    /// Creates a limiter over `store` (in-memory by default).
    public init(store: any RateLimitStore = InMemoryRateLimitStore()) {
        self.store = store
    }

    /// Admits one request of `principal`, or throws `ThrottlingException` with the seconds to wait.
    public func admit(_ principal: Principal, now: Date = Date()) async throws(AuthError) {
        let policy = principal.policy
        guard !policy.isUnlimited else { return }
        try Self.enforce(await store.admit(key: principal.keyID, policy: policy, now: now), for: principal)
    }

    /// Admits one request of `principal` when the store can decide without waiting (see
    /// ``RateLimitStore/admitImmediately(key:policy:now:)``): `()` when admitted, nil when the caller has to use
    /// ``admit(_:now:)``; throws `ThrottlingException` as it does.
    public func admitImmediately(_ principal: Principal, now: Date = Date()) throws(AuthError) -> Void? {
        let policy = principal.policy
        guard !policy.isUnlimited else { return () }
        guard let decision = store.admitImmediately(key: principal.keyID, policy: policy, now: now) else { return nil }
        return try Self.enforce(decision, for: principal)
    }

    private static func enforce(_ decision: RateLimitDecision, for principal: Principal) throws(AuthError) {
        switch decision {
        case .allowed:
            return
        case .throttled(let retryAfter, let limit):
            let policy = principal.policy
            Counter(label: "mlgateway_auth_throttled_total", dimensions: [("key", principal.keyID)]).increment()
            switch limit {
            case .rate:
                throw .throttled("Rate exceeded for API key '\(principal.keyID)'.", retryAfter: retryAfter)
            case .quota:
                throw .throttled(
                    "Quota of \(policy.quota?.limit ?? 0) requests per \(policy.quota?.period.rawValue ?? "period") exceeded for API key '\(principal.keyID)'.",
                    retryAfter: retryAfter)
            }
        }
    }
}
