import TestSupport
import Testing

@testable import FeatureStore

@Suite struct FeatureServiceFailureTests {
    private let defaults = ["age": "0", "country": "unknown", "avg_spend": "0"]

    @Test func staleModeServesStaleThenDefaults() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let service = try makeService(
                server, views: [userView(defaults: defaults, cacheTTL: .seconds(30))], onError: .stale,
                maxStaleness: .seconds(300), clock: clock)
            try await storeUser(
                service.redis, "1", age: "40", country: "NL", spend: "7", timestamp: clock.unixMilliseconds)
            _ = try await service.lookup(view: "user", entity: "1")
            await server.kill()
            clock.advance(.seconds(31))
            let stale = try await service.lookup(view: "user", entity: "1")
            #expect(stale.source == .stale)
            #expect(stale.values == ["40", "NL", "7"])
            clock.advance(.seconds(300))
            let fallback = try await service.lookup(view: "user", entity: "1")
            #expect(fallback.source == .default)
            #expect(fallback.values == ["0", "unknown", "0"])
            let uncached = try await service.lookup(view: "user", entity: "2")
            #expect(uncached.source == .default)
            await service.shutdown()
        }
    }

    /// A Redis that hangs costs a request its `lookup_budget`, not the command timeout (issue 23): past the budget
    /// the lookup is served as on a failure, and the read goes on and fills the cache once Redis answers.
    @Test func aHangingRedisCostsTheLookupBudgetNotTheCommandTimeout() async throws {
        try await withRedis { server in
            let url = try RedisURL(parsing: server.url)
            var configuration = FeatureStoreConfiguration(redis: url, onError: .stale, commandTimeout: .seconds(120))
            configuration.lookupBudget = .milliseconds(100)
            let service = try FeatureService(configuration: configuration, views: [userView(defaults: defaults)])
            try await storeUser(service.redis, "1", age: "40", country: "NL", spend: "7", timestamp: 0)
            server.freeze()
            defer { server.thaw() }
            let enricher = try Enricher(service: service, rules: [EnrichmentRule(view: "user", key: "header:x-user")])
            // A bound far above the budget and far below the command timeout: the lookup does not wait for Redis.
            let lookup = try await withThrowingTaskGroup(of: FeatureLookup?.self) { group in
                group.addTask {
                    try await enricher.lookUp([(view: "user", entity: "1")]).first
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(60))
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
            #expect(lookup?.source == .default)
            server.thaw()
            var source = FeatureLookup.Source.default
            for _ in 0..<200 where source != .cache {
                try await Task.sleep(for: .milliseconds(50))
                source = try await service.lookup(view: "user", entity: "1").source
            }
            #expect(source == .cache, "the read that outlived the budget filled the cache")
            await service.shutdown()
        }
    }

    @Test func staleModeWithoutDefaultsFailsClearly() async throws {
        try await withRedis { server in
            let service = try makeService(server, views: [userView()], onError: .stale)
            await server.kill()
            await #expect {
                try await service.lookup(view: "user", entity: "1")
            } throws: { error in
                guard let error = error as? FeatureStoreError, case .redisUnavailable(let view, let entity, _) = error
                else { return false }
                return view == "user" && entity == "1" && !error.isClientError
            }
            await service.shutdown()
        }
    }

    @Test func defaultModeSkipsStaleValues() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let service = try makeService(
                server, views: [userView(defaults: defaults)], onError: .default, clock: clock)
            try await storeUser(
                service.redis, "1", age: "40", country: "NL", spend: "7", timestamp: clock.unixMilliseconds)
            _ = try await service.lookup(view: "user", entity: "1")
            await server.kill()
            clock.advance(.seconds(31))
            #expect(try await service.lookup(view: "user", entity: "1").source == .default)
            await service.shutdown()
        }
    }

    @Test func failModeThrows() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let service = try makeService(server, views: [userView(defaults: defaults)], onError: .fail, clock: clock)
            try await storeUser(
                service.redis, "1", age: "40", country: "NL", spend: "7", timestamp: clock.unixMilliseconds)
            _ = try await service.lookup(view: "user", entity: "1")
            #expect(try await service.lookup(view: "user", entity: "1").source == .cache)
            await server.kill()
            clock.advance(.seconds(31))
            await #expect(throws: FeatureStoreError.self) { try await service.lookup(view: "user", entity: "1") }
            await service.shutdown()
        }
    }

    @Test func recoversAfterRedisRestarts() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let service = try makeService(server, views: [userView(defaults: defaults)], clock: clock)
            await server.kill()
            #expect(try await service.lookup(view: "user", entity: "1").source == .default)
            try await server.restart()
            let writer = try makeClient(server)
            try await storeUser(writer, "1", age: "9", country: "SE", spend: "1", timestamp: clock.unixMilliseconds)
            var lookup = try await service.lookup(view: "user", entity: "1")
            for _ in 0..<100 where lookup.source != .redis {
                try await Task.sleep(for: .milliseconds(20))
                lookup = try await service.lookup(view: "user", entity: "1")
            }
            #expect(lookup.source == .redis)
            #expect(lookup["country"] == "SE")
            await writer.shutdown()
            await service.shutdown()
        }
    }
}
