import TestSupport
import Testing

@testable import FeatureStore

@Suite struct RedisClientTests {
    @Test func sendsCommandsAndReadsReplies() async throws {
        try await withRedis { server in
            let client = try makeClient(server)
            #expect(try await client.command(["SET", "k", "v"]) == .simpleString("OK"))
            #expect(try await client.command(["GET", "k"]).string == "v")
            #expect(try await client.command(["GET", "missing"]) == .null)
            await client.shutdown()
        }
    }

    @Test func throwsErrorReplies() async throws {
        try await withRedis { server in
            let client = try makeClient(server)
            try await client.command(["SET", "s", "x"])
            await #expect(throws: RedisError.self) { try await client.command(["HGET", "s", "f"]) }
            #expect(try await client.command(["PING"]) == .simpleString("PONG"))
            await client.shutdown()
        }
    }

    @Test func pipelinesManyConcurrentCommandsOnFewConnections() async throws {
        try await withRedis { server in
            let client = try makeClient(server, poolSize: 2)
            try await withThrowingTaskGroup(of: Int64?.self) { group in
                for index in 0..<2000 {
                    group.addTask { try await client.command(["INCR", "counter"]).int.map { _ in Int64(index) } }
                }
                for try await value in group { #expect(value != nil) }
            }
            #expect(try await client.command(["GET", "counter"]).string == "2000")
            #expect(client.openConnections <= 2)
            await client.shutdown()
        }
    }

    @Test func pipelineReturnsRepliesInOrder() async throws {
        try await withRedis { server in
            let client = try makeClient(server)
            let replies = try await client.pipeline([
                ["SET", "a", "1"], ["INCR", "a"], ["HGET", "a", "x"], ["GET", "a"],
            ])
            #expect(replies.count == 4)
            #expect(replies[1] == .integer(2))
            if case .error = replies[2] {} else { Issue.record("expected WRONGTYPE error reply") }
            #expect(replies[3].string == "2")
            await client.shutdown()
        }
    }

    @Test func authenticatesAndSelectsTheDatabase() async throws {
        try await withRedis(password: "pw") { server in
            let inDatabase3 = try makeClient(server, database: 3)
            try await inDatabase3.command(["SET", "k", "three"])
            let inDatabase0 = try makeClient(server, database: 0)
            #expect(try await inDatabase0.command(["GET", "k"]) == .null)
            #expect(try await inDatabase3.command(["GET", "k"]).string == "three")
            await inDatabase3.shutdown()
            await inDatabase0.shutdown()
        }
    }

    @Test func wrongPasswordFailsClearly() async throws {
        try await withRedis(password: "right") { server in
            let url = try RedisURL(parsing: "redis://:wrong@127.0.0.1:\(server.port)/0")
            let client = RedisClient(configuration: fastClientConfiguration(url))
            await #expect {
                try await client.command(["PING"])
            } throws: { error in
                "\(error)".contains("WRONGPASS") || "\(error)".contains("invalid")
            }
            await client.shutdown()
        }
    }

    @Test func failsFastWhileRedisIsDownAndRecoversAfterRestart() async throws {
        try await withRedis { server in
            let client = try makeClient(server, poolSize: 1)
            try await client.command(["SET", "k", "v"])
            await server.kill()
            await #expect(throws: RedisError.self) { try await client.command(["GET", "k"]) }
            await #expect(throws: RedisError.self) { try await client.command(["GET", "k"]) }
            try await server.restart()
            var recovered = false
            for _ in 0..<100 where !recovered {
                recovered = (try? await client.command(["PING"])) == .simpleString("PONG")
                if !recovered { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(recovered)
            await client.shutdown()
        }
    }

    @Test func unreachableServerReportsConnectFailure() async throws {
        let port = try FreePort.refusing()
        var configuration = fastClientConfiguration(RedisURL(host: "127.0.0.1", port: port))
        configuration.backoffBase = .seconds(30)
        configuration.backoffMax = .seconds(30)
        let client = RedisClient(configuration: configuration)
        await #expect {
            try await client.command(["PING"])
        } throws: { error in
            "\(error)".contains("cannot connect to Redis at 127.0.0.1:\(port)")
        }
        await #expect {
            try await client.command(["PING"])
        } throws: { error in
            (error as? RedisError).map { if case .unavailable = $0 { true } else { false } } ?? false
        }
        await client.shutdown()
    }

    @Test func commandsAfterShutdownFail() async throws {
        try await withRedis { server in
            let client = try makeClient(server)
            try await client.command(["PING"])
            await client.shutdown()
            await #expect(throws: RedisError.shutdown) { try await client.command(["PING"]) }
        }
    }
}
