import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing

@testable import FeatureStore

@Suite struct WarmupTests {
    @Test func warmsUpFromAKeysFile() async throws {
        try await withRedis { server in
            let keys = try temporaryFile("# hot users\n1\n2\n\n3\n", extension: "txt")
            defer { try? FileManager.default.removeItem(at: keys) }
            let view = userView(warmup: .init(source: .keysFile(keys.path), deadline: .seconds(30)))
            let service = try makeService(server, views: [view])
            for id in 1...3 {
                try await storeUser(service.redis, "\(id)", age: "\(id)", country: "DE", spend: "0", timestamp: 1)
            }
            #expect(!service.isWarm)
            let report = await service.warmUp()
            #expect(service.isWarm)
            #expect(service.warmupKeysLoaded == 3)
            #expect(report.views == [.init(name: "user", keysLoaded: 3, outcome: .completed)])
            try await service.redis.command(["CONFIG", "RESETSTAT"])
            for id in 1...3 {
                let lookup = try await service.lookup(view: "user", entity: "\(id)")
                #expect(lookup.source == .cache)
                #expect(lookup["age"] == "\(id)")
            }
            #expect(try await hmgetCalls(service.redis) == 0)
            await service.shutdown()
        }
    }

    @Test func warmsUpByScanningUpToTheLimit() async throws {
        try await withRedis { server in
            let limited = userView(warmup: .init(source: .scan(limit: 5)))
            let service = try makeService(server, views: [limited])
            _ = try await service.redis.pipeline((0..<20).map { ["HSET", "mlgw:user:\($0)", "age", "\($0)"] })
            try await service.redis.command(["HSET", "mlgw:item:1", "price", "1"])
            let report = await service.warmUp()
            #expect(report.keysLoaded == 5)
            await service.shutdown()

            let unlimited = try makeService(server, views: [userView(warmup: .init(source: .scan(limit: 1000)))])
            #expect(await unlimited.warmUp().keysLoaded == 20)
            #expect(try await unlimited.lookup(view: "user", entity: "17").source == .cache)
            await unlimited.shutdown()
        }
    }

    @Test func isWarmWithoutWarmupConfigured() async throws {
        try await withRedis { server in
            let service = try makeService(server, views: [userView()])
            #expect(service.isWarm)
            await service.shutdown()
        }
    }

    @Test func missingKeysFileIsReportedAndStillCountsAsWarm() async throws {
        try await withRedis { server in
            let view = userView(warmup: .init(source: .keysFile("/nonexistent/hot.txt")))
            let service = try makeService(server, views: [view])
            let report = await service.warmUp()
            guard case .failed(let reason) = report.views.first?.outcome else {
                Issue.record("expected a failed warm-up")
                return
            }
            #expect(reason.contains("/nonexistent/hot.txt"))
            #expect(service.isWarm)
            await service.shutdown()
        }
    }

    @Test func deadlineEndsWarmupAgainstAnUnresponsiveServer() async throws {
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        let url = RedisURL(host: "127.0.0.1", port: port)
        var clientConfiguration = fastClientConfiguration(url)
        clientConfiguration.commandTimeout = .seconds(30)
        let keys = try temporaryFile("1\n2\n", extension: "txt")
        defer { try? FileManager.default.removeItem(at: keys) }
        let view = userView(warmup: .init(source: .keysFile(keys.path), deadline: .milliseconds(200)))
        let service = try FeatureService(
            configuration: FeatureStoreConfiguration(redis: url), views: [view],
            redis: RedisClient(configuration: clientConfiguration), clock: ManualClock().featureClock,
            logger: .init(label: "test"))
        let report = await service.warmUp()
        #expect(report.views.first?.outcome == .deadlineExceeded)
        #expect(service.isWarm)
        await service.shutdown()
        try await silent.close()
    }

    /// A service whose view warms up the entities in `keys` from Redis at `port`, where nothing may listen yet.
    private func serviceWithoutRedis(port: Int, keys: URL, deadline: Duration) throws -> FeatureService {
        let url = RedisURL(host: "127.0.0.1", port: port)
        let view = userView(warmup: .init(source: .keysFile(keys.path), deadline: deadline))
        return try FeatureService(
            configuration: FeatureStoreConfiguration(redis: url), views: [view],
            redis: RedisClient(configuration: fastClientConfiguration(url)), clock: ManualClock().featureClock,
            logger: .init(label: "test"))
    }

    @Test func warmupWaitsForARedisThatStartsLater() async throws {
        let port = try FreePort.next()
        let keys = try temporaryFile("1\n2\n", extension: "txt")
        defer { try? FileManager.default.removeItem(at: keys) }
        let service = try serviceWithoutRedis(port: port, keys: keys, deadline: .seconds(60))
        let warmup = Task { await service.warmUp() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(!service.isWarm)
        let server = try await RedisServer.start(port: port)
        let report = await warmup.value
        #expect(report.views == [.init(name: "user", keysLoaded: 2, outcome: .completed)])
        await service.shutdown()
        await server.stop()
    }

    @Test func unreachableRedisEndsWarmupAtTheDeadline() async throws {
        let keys = try temporaryFile("1\n", extension: "txt")
        defer { try? FileManager.default.removeItem(at: keys) }
        let service = try serviceWithoutRedis(port: try FreePort.refusing(), keys: keys, deadline: .milliseconds(300))
        #expect(await service.warmUp().views.first?.outcome == .deadlineExceeded)
        #expect(service.isWarm)
        await service.shutdown()
    }
}
