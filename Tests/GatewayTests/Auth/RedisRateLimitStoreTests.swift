import FeatureStore
import Foundation
import GatewayAuth
import Logging
import TestSupport
import Testing

@testable import InvocationCore

/// `[rate_limit]` and the Redis store's script against a real redis-server (replicas sharing it are tested with
/// three gateway processes in `Tests/python/test_rate_limit_redis.py`).
@Suite("Rate limits in Redis")
struct RedisRateLimitStoreTests {
    static let endpoint =
        "\n[[endpoint]]\nname = \"e\"\n[[endpoint.variant]]\nname = \"V\"\nbackends = [\"http://127.0.0.1:1\"]\n"

    @Test func theTableReadsEveryKeyAndErrorsNameTheKey() throws {
        #expect(try TestConfigurations.parse(Self.endpoint).rateLimit == nil)
        let configuration = try #require(
            try TestConfigurations.parse(
                "[rate_limit]\nredis = \"redis://10.0.0.5:6380/2\"\nkey_prefix = \"fleet\"\ncommand_timeout = \"100ms\"\n"
                    + Self.endpoint
            ).rateLimit)
        #expect(configuration.redis == RedisURL(host: "10.0.0.5", port: 6380, database: 2))
        #expect(configuration.keyPrefix == "fleet" && configuration.commandTimeout == .milliseconds(100))
        for (table, key) in [
            ("[rate_limit]\nkey_prefix = \"x\"\n", "rate_limit.redis"),
            ("[rate_limit]\nredis = \"http://x\"\n", "rate_limit.redis"),
            ("[rate_limit]\nredis = \"redis://x\"\nkey_prefix = \"a:b\"\n", "rate_limit.key_prefix"),
            ("[rate_limit]\nredis = \"redis://x\"\ncommand_timeout = \"0s\"\n", "rate_limit.command_timeout"),
            ("[rate_limit]\nredis = \"redis://x\"\nredis_url = \"x\"\n", "rate_limit.redis_url"),
        ] {
            #expect(TestConfigurations.error(table + Self.endpoint)?.key == key, "\(table)")
        }
    }

    @Test func scriptRepliesBecomeDecisions() throws {
        #expect(try RedisRateLimitStore.decision(.array([.integer(1)])) == .allowed)
        #expect(
            try RedisRateLimitStore.decision(.array([.integer(0), .integer(1), .bulkString(Array("rate".utf8))]))
                == .throttled(retryAfter: 1, limit: .rate))
        #expect(
            try RedisRateLimitStore.decision(
                .array([.integer(0), .integer(86_400_001), .bulkString(Array("quota".utf8))]))
                == .throttled(retryAfter: 86_401, limit: .quota))
        #expect(throws: RedisError.self) { try RedisRateLimitStore.decision(.integer(1)) }
        #expect(throws: RedisError.self) {
            try RedisRateLimitStore.decision(.array([.integer(0), .integer(5), .bulkString(Array("other".utf8))]))
        }
    }

    @Test func theScriptCountsAQuotaAndABucketTogetherAndLoadsItselfOnce() async throws {
        let server = try await RedisServer.start()
        let redis = RedisClient(configuration: .init(url: try RedisURL(parsing: server.url())))
        let store = RedisRateLimitStore(redis: redis, keyPrefix: "t", logger: Logger(label: "test"))
        let policy = RateLimitPolicy(
            rateLimit: RateLimit(perSecond: 1.0 / 3_600, burst: 3), quota: Quota(limit: 2, period: .day))
        var decisions: [RateLimitDecision] = []
        for _ in 0..<3 { decisions.append(await store.admit(key: "k", policy: policy, now: Date())) }
        #expect(decisions.prefix(2) == [.allowed, .allowed])
        guard case .throttled(let retryAfter, .quota) = decisions[2] else {
            Issue.record("expected a quota refusal, got \(decisions[2])")
            return
        }
        #expect((1...86_400).contains(retryAfter))
        // A refused request consumed nothing; a larger quota restarts the count, the bucket keeps its one token.
        let larger = RateLimitPolicy(rateLimit: policy.rateLimit, quota: Quota(limit: 10, period: .day))
        #expect(await store.admit(key: "k", policy: larger, now: Date()) == .allowed)
        guard case .throttled(let wait, .rate) = await store.admit(key: "k", policy: larger, now: Date()) else {
            Issue.record("expected a rate refusal")
            return
        }
        #expect((3_000...3_600).contains(wait))
        let ttl = try await redis.command(["PTTL", "t:rl:k"]).int ?? 0
        #expect(ttl > 60_000)
        await store.shutdown()
        await server.stop()
    }
}
