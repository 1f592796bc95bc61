import Foundation
import TestSupport
import Testing

@testable import FeatureStore

/// The number of `HMGET` commands the server has executed.
func hmgetCalls(_ client: RedisClient) async throws -> Int {
    let info = try await client.command(["INFO", "commandstats"]).string ?? ""
    guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_hmget:") }),
        let calls = line.split(separator: ",").first?.split(separator: "=").last
    else { return 0 }
    return Int(calls) ?? 0
}

@Suite struct FeatureServiceTests {
    @Test func readsRedisThenServesFromCache() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let service = try makeService(server, views: [userView()], clock: clock)
            try await storeUser(
                service.redis, "42", age: "31", country: "DE", spend: "12.5", timestamp: clock.unixMilliseconds)
            let first = try await service.lookup(view: "user", entity: "42")
            #expect(first.source == .redis)
            #expect(first.values == ["31", "DE", "12.5"])
            #expect(first.dictionary == ["age": "31", "country": "DE", "avg_spend": "12.5"])
            let second = try await service.lookup(view: "user", entity: "42")
            #expect(second.source == .cache)
            #expect(second.values == first.values)
            await service.shutdown()
        }
    }

    @Test func cacheEntriesExpireAfterTheViewTTL() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let service = try makeService(server, views: [userView(cacheTTL: .seconds(30))], clock: clock)
            try await storeUser(
                service.redis, "1", age: "20", country: "FR", spend: "1", timestamp: clock.unixMilliseconds)
            _ = try await service.lookup(view: "user", entity: "1")
            try await service.redis.command(["HSET", "mlgw:user:1", "age", "21"])
            clock.advance(.seconds(29))
            #expect(try await service.lookup(view: "user", entity: "1")["age"] == "20")
            clock.advance(.seconds(2))
            let refreshed = try await service.lookup(view: "user", entity: "1")
            #expect(refreshed.source == .redis)
            #expect(refreshed["age"] == "21")
            await service.shutdown()
        }
    }

    @Test func valuesOlderThanMaxAgeCountAsMissing() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let views = [
                userView(maxAge: .seconds(86_400)),
                FeatureViewConfiguration(
                    name: "item", features: ["price"], maxAge: .seconds(86_400), defaults: ["price": "0"]),
            ]
            let service = try makeService(server, views: views, clock: clock)
            let old = clock.unixMilliseconds - 2 * 86_400_000
            try await storeUser(service.redis, "old", age: "50", country: "US", spend: "3", timestamp: old)
            try await storeUser(
                service.redis, "new", age: "51", country: "US", spend: "3", timestamp: clock.unixMilliseconds)
            try await service.redis.command(["HSET", "mlgw:item:9", "price", "9.99", "_ts", String(old)])
            #expect(try await service.lookup(view: "user", entity: "old").values == [nil, nil, nil])
            #expect(try await service.lookup(view: "user", entity: "new").values == ["51", "US", "3"])
            let item = try await service.lookup(view: "item", entity: "9")
            #expect(item.source == .default)
            #expect(item.values == ["0"])
            await service.shutdown()
        }
    }

    @Test func cachedValuesAgeOutByMaxAge() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let view = userView(cacheTTL: .seconds(3600), maxAge: .seconds(60))
            let service = try makeService(server, views: [view], clock: clock)
            try await storeUser(
                service.redis, "7", age: "1", country: "X", spend: "0", timestamp: clock.unixMilliseconds)
            #expect(try await service.lookup(view: "user", entity: "7")["age"] == "1")
            clock.advance(.seconds(61))
            let aged = try await service.lookup(view: "user", entity: "7")
            #expect(aged.source == .cache)
            #expect(aged["age"] == nil)
            await service.shutdown()
        }
    }

    @Test func missingEntitiesAndFeaturesUseDefaults() async throws {
        try await withRedis { server in
            let defaults = ["age": "0", "country": "unknown", "avg_spend": "0"]
            let service = try makeService(server, views: [userView(defaults: defaults)])
            let absent = try await service.lookup(view: "user", entity: "nobody")
            #expect(absent.source == .default)
            #expect(absent.values == ["0", "unknown", "0"])
            try await service.redis.command(["HSET", "mlgw:user:partial", "age", "33"])
            let partial = try await service.lookup(view: "user", entity: "partial")
            #expect(partial.source == .redis)
            #expect(partial.values == ["33", "unknown", "0"])
            await service.shutdown()
        }
    }

    @Test func missingEntityWithoutDefaultsHasNoValues() async throws {
        try await withRedis { server in
            let service = try makeService(server, views: [userView()])
            let absent = try await service.lookup(view: "user", entity: "nobody")
            #expect(absent.values == [nil, nil, nil])
            #expect(absent.dictionary.isEmpty)
            await service.shutdown()
        }
    }

    @Test func concurrentMissesForOneKeyShareOneRead() async throws {
        try await withRedis { server in
            let service = try makeService(server, views: [userView()])
            try await storeUser(service.redis, "hot", age: "5", country: "IT", spend: "2", timestamp: 1)
            try await service.redis.command(["CONFIG", "RESETSTAT"])
            try await withThrowingTaskGroup(of: FeatureLookup.self) { group in
                for _ in 0..<50 { group.addTask { try await service.lookup(view: "user", entity: "hot") } }
                for try await lookup in group { #expect(lookup["age"] == "5") }
            }
            #expect(try await hmgetCalls(service.redis) == 1)
            await service.shutdown()
        }
    }

    @Test func concurrentLookupsOfManyKeysArePipelinedOnFewConnections() async throws {
        try await withRedis { server in
            let service = try makeService(server, views: [userView()])
            _ = try await service.redis.pipeline(
                (0..<500).map {
                    ["HSET", "mlgw:user:\($0)", "age", "\($0)", "country", "C\($0)", "avg_spend", "1"]
                })
            try await withThrowingTaskGroup(of: (Int, FeatureLookup).self) { group in
                for index in 0..<500 {
                    group.addTask { (index, try await service.lookup(view: "user", entity: "\(index)")) }
                }
                for try await (index, lookup) in group {
                    #expect(lookup.values == ["\(index)", "C\(index)", "1"])
                }
            }
            #expect(service.redis.openConnections <= 2)
            await service.shutdown()
        }
    }

    @Test func compositeEntitiesJoinTheirParts() async throws {
        try await withRedis { server in
            let view = FeatureViewConfiguration(
                name: "user_item", features: ["clicks"], entityKeys: ["user", "item"])
            let service = try makeService(server, views: [view])
            try await service.redis.command(["HSET", "mlgw:user_item:u1|i9", "clicks", "4"])
            #expect(try await service.lookup(view: "user_item", entityParts: ["u1", "i9"])["clicks"] == "4")
            await service.shutdown()
        }
    }

    @Test func unknownViewsAreReported() async throws {
        try await withRedis { server in
            let service = try makeService(server, views: [userView()])
            await #expect(throws: FeatureStoreError.unknownView("nope")) {
                try await service.lookup(view: "nope", entity: "1")
            }
            await service.shutdown()
        }
    }

    @Test func invalidViewsAreRejected() throws {
        let url = RedisURL(host: "127.0.0.1")
        let configuration = FeatureStoreConfiguration(redis: url)
        #expect(throws: FeatureStoreError.self) {
            try FeatureService(configuration: configuration, views: [userView(), userView()])
        }
        #expect(throws: FeatureStoreError.self) {
            try FeatureService(
                configuration: configuration,
                views: [FeatureViewConfiguration(name: "v", features: ["a"], defaults: ["b": "1"])])
        }
        #expect(throws: FeatureStoreError.self) {
            try FeatureService(configuration: configuration, views: [FeatureViewConfiguration(name: "v", features: [])])
        }
    }
}
