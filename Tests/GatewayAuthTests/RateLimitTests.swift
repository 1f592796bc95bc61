import Foundation
import Testing

@testable import GatewayAuth

@Suite struct TokenBucketTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func startsFullAndEmptiesAfterBurst() {
        var bucket = TokenBucket(limit: RateLimit(perSecond: 2, burst: 3), now: start)
        let outcome1 = bucket.take(now: start)
        #expect(outcome1)
        let outcome2 = bucket.take(now: start)
        #expect(outcome2)
        let outcome3 = bucket.take(now: start)
        #expect(outcome3)
        let outcome4 = bucket.take(now: start)
        #expect(!outcome4)
        #expect(bucket.waitTime(now: start) == 0.5)
    }

    @Test func refillsAtTheRate() {
        var bucket = TokenBucket(limit: RateLimit(perSecond: 2, burst: 3), now: start)
        for _ in 0..<3 { _ = bucket.take(now: start) }
        let outcome5 = bucket.take(now: start.addingTimeInterval(0.4))
        #expect(!outcome5)
        let outcome6 = bucket.take(now: start.addingTimeInterval(0.5))
        #expect(outcome6)
        let outcome7 = bucket.take(now: start.addingTimeInterval(0.5))
        #expect(!outcome7)
        #expect(abs(bucket.waitTime(now: start.addingTimeInterval(0.75)) - 0.25) < 1e-9)
    }

    @Test func neverExceedsCapacity() {
        var bucket = TokenBucket(limit: RateLimit(perSecond: 100, burst: 2), now: start)
        bucket.refill(now: start.addingTimeInterval(3_600))
        #expect(bucket.tokens == 2)
    }

    @Test func clockGoingBackwardsAddsNothing() {
        var bucket = TokenBucket(limit: RateLimit(perSecond: 1, burst: 1), now: start)
        _ = bucket.take(now: start)
        let outcome8 = bucket.take(now: start.addingTimeInterval(-10))
        #expect(!outcome8)
        let outcome9 = bucket.take(now: start.addingTimeInterval(1))
        #expect(outcome9)
    }
}

@Suite struct QuotaTests {
    func date(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text))
    }

    @Test func windowEnds() throws {
        #expect(
            QuotaPeriod.day.windowEnd(containing: try date("2026-11-23T10:00:00Z"))
                == (try date("2026-11-24T00:00:00Z")))
        #expect(
            QuotaPeriod.month.windowEnd(containing: try date("2026-11-23T10:00:00Z"))
                == (try date("2026-12-01T00:00:00Z")))
        #expect(
            QuotaPeriod.month.windowEnd(containing: try date("2026-12-31T23:59:59Z"))
                == (try date("2027-01-01T00:00:00Z")))
        #expect(
            QuotaPeriod.month.windowEnd(containing: try date("2028-02-01T00:00:00Z"))
                == (try date("2028-03-01T00:00:00Z")))
        #expect(
            QuotaPeriod.day.windowEnd(containing: try date("2026-11-23T00:00:00Z"))
                == (try date("2026-11-24T00:00:00Z")))
    }

    @Test func countsUpToTheLimitThenRollsOver() throws {
        let now = try date("2026-11-23T23:59:00Z")
        var counter = QuotaCounter(quota: Quota(limit: 2, period: .day), now: now)
        let outcome10 = counter.consume(now: now)
        #expect(outcome10)
        let outcome11 = counter.consume(now: now)
        #expect(outcome11)
        let outcome12 = counter.consume(now: now)
        #expect(!outcome12)
        #expect(counter.waitTime(now: now) == 60)
        let tomorrow = try date("2026-11-24T00:00:00Z")
        let outcome13 = counter.consume(now: tomorrow)
        #expect(outcome13)
        #expect(counter.used == 1)
        #expect(counter.windowEnd == (try date("2026-11-25T00:00:00Z")))
    }

    @Test func monthlyQuotaRollsOverAtMonthStart() throws {
        let now = try date("2026-11-30T12:00:00Z")
        var counter = QuotaCounter(quota: Quota(limit: 1, period: .month), now: now)
        let outcome14 = counter.consume(now: now)
        #expect(outcome14)
        let outcome15 = counter.consume(now: try date("2026-11-30T23:59:59Z"))
        #expect(!outcome15)
        let outcome16 = counter.consume(now: try date("2026-12-01T00:00:00Z"))
        #expect(outcome16)
    }
}

@Suite struct RateLimitStateTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func refusedRequestConsumesNeitherLimit() {
        let policy = RateLimitPolicy(
            rateLimit: RateLimit(perSecond: 1, burst: 1), quota: Quota(limit: 10, period: .day))
        var state = RateLimitState(policy: policy, now: start)
        let outcome17 = state.admit(now: start)
        #expect(outcome17 == .allowed)
        let outcome18 = state.admit(now: start)
        #expect(outcome18 == .throttled(retryAfter: 1, limit: .rate))
        #expect(state.quota?.used == 1)
    }

    @Test func quotaRefusalLeavesTokens() {
        let policy = RateLimitPolicy(rateLimit: RateLimit(perSecond: 1, burst: 5), quota: Quota(limit: 1, period: .day))
        var state = RateLimitState(policy: policy, now: start)
        let outcome19 = state.admit(now: start)
        #expect(outcome19 == .allowed)
        guard case .throttled(let retryAfter, .quota) = state.admit(now: start) else {
            Issue.record("expected a quota refusal")
            return
        }
        #expect(retryAfter > 1)
        #expect(state.bucket?.tokens == 4)
    }

    @Test func retryAfterIsRoundedUpToWholeSeconds() {
        var state = RateLimitState(
            policy: RateLimitPolicy(rateLimit: RateLimit(perSecond: 0.25, burst: 1), quota: nil), now: start)
        _ = state.admit(now: start)
        let outcome20 = state.admit(now: start.addingTimeInterval(0.5))
        #expect(outcome20 == .throttled(retryAfter: 4, limit: .rate))
    }

    @Test func policyChangeKeepsUnchangedCounters() {
        let quota = Quota(limit: 10, period: .day)
        var state = RateLimitState(
            policy: RateLimitPolicy(rateLimit: RateLimit(perSecond: 1, burst: 1), quota: quota), now: start)
        _ = state.admit(now: start)
        state.update(policy: RateLimitPolicy(rateLimit: RateLimit(perSecond: 5, burst: 5), quota: quota), now: start)
        #expect(state.bucket?.tokens == 5)
        #expect(state.quota?.used == 1)
    }
}

@Suite struct RateLimiterTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    func principal(_ id: String, rate: RateLimit? = nil, quota: Quota? = nil) -> Principal {
        Principal(keyID: id, name: id, method: .apiKey, policy: RateLimitPolicy(rateLimit: rate, quota: quota))
    }

    @Test func throttlesWithRetryAfter() async throws {
        let limiter = RateLimiter()
        let key = principal("k", rate: RateLimit(perSecond: 0.5, burst: 2))
        try await limiter.admit(key, now: start)
        try await limiter.admit(key, now: start)
        do throws(AuthError) {
            try await limiter.admit(key, now: start)
            Issue.record("expected throttling")
        } catch {
            #expect(error.code == .throttling)
            #expect(error.httpStatus == 429)
            #expect(error.retryAfter == 2)
        }
        try await limiter.admit(key, now: start.addingTimeInterval(2))
    }

    @Test func quotaThrottlesUntilTheWindowEnds() async throws {
        let limiter = RateLimiter()
        let key = principal("q", quota: Quota(limit: 1, period: .day))
        try await limiter.admit(key, now: start)
        do throws(AuthError) {
            try await limiter.admit(key, now: start)
            Issue.record("expected throttling")
        } catch {
            #expect(error.code == .throttling)
            #expect(error.message.contains("per day"))
            #expect(error.retryAfter == Int(QuotaPeriod.day.windowEnd(containing: start).timeIntervalSince(start)))
        }
    }

    @Test func keysHaveSeparateBuckets() async throws {
        let limiter = RateLimiter()
        let limit = RateLimit(perSecond: 1, burst: 1)
        try await limiter.admit(principal("a", rate: limit), now: start)
        try await limiter.admit(principal("b", rate: limit), now: start)
    }

    @Test func anInMemoryStoreDecidesWithoutWaiting() throws {
        let limiter = RateLimiter()
        let key = principal("now", rate: RateLimit(perSecond: 1, burst: 1))
        #expect(try limiter.admitImmediately(key, now: start) != nil)
        do throws(AuthError) {
            _ = try limiter.admitImmediately(key, now: start)
            Issue.record("expected throttling")
        } catch {
            #expect(error.code == .throttling)
            #expect(error.retryAfter == 1)
        }
    }

    @Test func savedQuotaCountsCarryOverToANewStoreUnderTheSameQuota() throws {
        let quota = Quota(limit: 3, period: .day)
        let first = InMemoryRateLimitStore()
        let policy = RateLimitPolicy(rateLimit: nil, quota: quota)
        #expect(first.admitImmediately(key: "k", policy: policy, now: start) == .allowed)
        #expect(first.admitImmediately(key: "k", policy: policy, now: start) == .allowed)
        let saved = first.takeChangedQuotas()
        #expect(saved["k"]?.used == 2)
        #expect(first.takeChangedQuotas().isEmpty)

        let second = InMemoryRateLimitStore()
        second.restore(saved.merging(["other": QuotaCounter(quota: quota, used: 3, windowEnd: start)]) { $1 })
        #expect(second.admitImmediately(key: "k", policy: policy, now: start) == .allowed)
        guard case .throttled(_, .quota) = second.admitImmediately(key: "k", policy: policy, now: start) else {
            Issue.record("expected the restored count to reach the quota")
            return
        }
        // A changed quota starts from zero; a saved window that ended starts a new one.
        let larger = RateLimitPolicy(rateLimit: nil, quota: Quota(limit: 5, period: .day))
        let third = InMemoryRateLimitStore()
        third.restore(saved)
        #expect(third.admitImmediately(key: "k", policy: larger, now: start) == .allowed)
        #expect(third.takeChangedQuotas()["k"]?.used == 1)
        #expect(second.admitImmediately(key: "other", policy: policy, now: start) == .allowed)
    }

    @Test func theStateDirectoryKeepsQuotaCountsWithoutBumpingTheKeysRevision() async throws {
        let database = try TemporaryDatabase()
        let store = try database.store()
        let revision = try await store.revision()
        let usage = try QuotaUsageStore(stateDirectory: database.directory)
        let counter = QuotaCounter(quota: Quota(limit: 90, period: .month), used: 42, windowEnd: start)
        try usage.save(["a": counter])
        try usage.save(["a": QuotaCounter(quota: counter.quota, used: 43, windowEnd: start)])
        #expect(
            try QuotaUsageStore(stateDirectory: database.directory).load()
                == ["a": QuotaCounter(quota: counter.quota, used: 43, windowEnd: start)])
        #expect(try await store.revision() == revision)
    }

    @Test func aStoreInAnotherProcessLeavesTheDecisionToTheWaitingCall() async throws {
        struct RemoteStore: RateLimitStore {
            func admit(key: String, policy: RateLimitPolicy, now: Date) async -> RateLimitDecision { .allowed }
        }
        let limiter = RateLimiter(store: RemoteStore())
        let key = principal("remote", rate: RateLimit(perSecond: 1, burst: 1))
        #expect(try limiter.admitImmediately(key, now: start) == nil)
        try await limiter.admit(key, now: start)
        #expect(try limiter.admitImmediately(principal("free"), now: start) != nil)
    }

    @Test func unlimitedKeysAreNeverThrottled() async throws {
        let limiter = RateLimiter()
        for _ in 0..<1_000 { try await limiter.admit(principal("free"), now: start) }
    }
}

@Suite struct PresentedCredentialsTests {
    @Test func classification() {
        #expect(PresentedCredentials(xAPIKey: "k1", authorization: "Bearer k2", query: "") == .apiKey("k1"))
        #expect(PresentedCredentials(xAPIKey: nil, authorization: "Bearer k2", query: "") == .apiKey("k2"))
        #expect(PresentedCredentials(xAPIKey: nil, authorization: "bearer  k3 ", query: "") == .apiKey("k3"))
        #expect(PresentedCredentials(xAPIKey: nil, authorization: "Bearer ", query: "") == .none)
        #expect(
            PresentedCredentials(xAPIKey: nil, authorization: "AWS4-HMAC-SHA256 Credential=a", query: "") == .sigV4)
        #expect(PresentedCredentials(xAPIKey: nil, authorization: nil, query: "a=1&X-Amz-Signature=ab") == .sigV4)
        #expect(PresentedCredentials(xAPIKey: "", authorization: nil, query: "") == .none)
        #expect(PresentedCredentials(xAPIKey: nil, authorization: "Basic abc", query: "") == .none)
    }
}
