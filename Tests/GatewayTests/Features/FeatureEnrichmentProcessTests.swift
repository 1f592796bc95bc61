import Foundation
import TestSupport
import Testing

/// Feature enrichment through the real gateway: redis-server, echo backend and `mlgateway` processes.
@Suite("Feature enrichment (processes)", .serialized)
struct FeatureEnrichmentProcessTests {
    static let users = """
        user_id,age,country,avg_spend
        u1,34,FR,12.5
        u2,51,DE,40.25

        """

    /// `[feature_store]`, one view and two endpoints (JSON and CSV) on `backend`.
    static func configuration(
        redis: String, backend: String, store: String = "", view: String = "", budget: String = "30s"
    ) -> String {
        """
        [feature_store]
        redis = "\(redis)"
        lookup_budget = "\(budget)"
        \(store)

        [[feature_view]]
        name = "user"
        features = ["age", "country", "avg_spend"]
        \(view)
        \(TOML.endpoint("json"))
        [[endpoint.enrich]]
        view = "user"
        key = "$.user_id"
        \(TOML.variant("A", backends: [backend]))
        \(TOML.endpoint("csv"))
        [[endpoint.enrich]]
        view = "user"
        key = "csv:0"
        \(TOML.variant("A", backends: [backend]))
        """
    }

    /// Runs `mlgateway features …` with the gateway's configuration file.
    static func features(_ gateway: GatewayProcess, _ arguments: [String]) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            BuiltProducts.path("mlgateway"), ["features"] + arguments + ["--config", gateway.configFile.path],
            currentDirectory: gateway.directory)
    }

    static func load(_ gateway: GatewayProcess, _ csv: String) async throws -> ChildProcess.Outcome {
        let file = gateway.directory.appendingPathComponent("users-\(UUID().uuidString).csv")
        try Data(csv.utf8).write(to: file)
        return try await features(gateway, ["load", "--view", "user", "--entity-column", "user_id", file.path])
    }

    /// The `features.user` object the echo backend received.
    static func userFeatures(_ response: HTTP.Response) -> [String: Any]? {
        (response.json["features"] as? [String: Any])?["user"] as? [String: Any]
    }

    /// A Redis that hangs (SIGSTOP) used to make every uncached lookup wait the command timeout; now a request waits
    /// at most `lookup_budget` and is served as on a Redis failure, here with the view's defaults (issue 23 item 9).
    @Test("A hanging Redis costs a request the lookup budget, and the view's defaults are served")
    func aHangingRedisCostsTheLookupBudget() async throws {
        let redis = try await RedisServer.start()
        let backend = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(
            Self.configuration(
                redis: redis.url, backend: backend.url, store: "on_error = \"default\"\ncommand_timeout = \"60s\"",
                view: "defaults = { age = \"0\", country = \"unknown\", avg_spend = \"0\" }", budget: "200ms"))
        defer {
            Task {
                redis.thaw()
                await gateway.stop()
                await backend.stop()
                await redis.stop()
            }
        }
        let loaded = try await Self.load(gateway, Self.users)
        #expect(loaded.status == 0, "\(loaded.output)")

        redis.freeze()
        let response = try await gateway.invoke(
            "json", body: #"{"user_id": "u2", "instances": [[1, 2]]}"#, contentType: "application/json")
        #expect(response.status == 200, "\(response.text)")
        let user = try #require(Self.userFeatures(response), "\(response.text)")
        #expect(user["country"] as? String == "unknown")
        redis.thaw()
    }

    @Test("JSON and CSV bodies get the entity's features; a missing key is a 400 naming it")
    func enrichesJSONAndCSV() async throws {
        let redis = try await RedisServer.start()
        let backend = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(Self.configuration(redis: redis.url, backend: backend.url))
        defer {
            Task {
                await gateway.stop()
                await backend.stop()
                await redis.stop()
            }
        }

        let loaded = try await Self.load(gateway, Self.users)
        #expect(loaded.status == 0, "\(loaded.output)")
        #expect(loaded.output.contains("loaded 2 of 2 rows"))

        let json = try await gateway.invoke(
            "json", body: #"{"user_id": "u1", "instances": [[1, 2]]}"#, contentType: "application/json")
        #expect(json.status == 200, "\(json.text)")
        let user = try #require(Self.userFeatures(json), "\(json.text)")
        #expect(user["age"] as? Int == 34)
        #expect(user["country"] as? String == "FR")
        #expect(user["avg_spend"] as? Double == 12.5)
        #expect(json.json["instances"] != nil)

        let csv = try await gateway.invoke("csv", body: "u1,1,2\nu2,3,4", contentType: "text/csv")
        #expect(csv.status == 200)
        #expect(csv.text == "u1,1,2,34,FR,12.5\nu2,3,4,51,DE,40.25")

        let missing = try await gateway.invoke("json", body: #"{"other": 1}"#, contentType: "application/json")
        #expect(missing.status == 400)
        #expect(missing.errorType == "ValidationError")
        #expect(missing.text.contains("$.user_id"))

        let shown = try await Self.features(gateway, ["get", "--view", "user", "u2"])
        #expect(shown.status == 0)
        #expect(shown.output.contains(#""country": "DE""#))
    }

    @Test("the loader reports bad rows with their line numbers and exits 1")
    func loaderReportsBadRows() async throws {
        let redis = try await RedisServer.start()
        let backend = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(Self.configuration(redis: redis.url, backend: backend.url))
        defer {
            Task {
                await gateway.stop()
                await backend.stop()
                await redis.stop()
            }
        }

        let outcome = try await Self.load(gateway, "user_id,age,country,avg_spend\nu1,34,FR,12.5\n,1,2\nu3,27,ES,7\n")
        #expect(outcome.status == 1)
        #expect(outcome.output.contains("loaded 2 of 3 rows"), "\(outcome.output)")
        #expect(outcome.output.contains(":3:"), "\(outcome.output)")
    }

    @Test("Redis down: cached values, then the view's defaults; Redis back: fresh values")
    func servesStaleThenDefaultsThenRecovers() async throws {
        let redis = try await RedisServer.start()
        let backend = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let gateway = try await GatewayProcess.start(
            Self.configuration(
                redis: redis.url, backend: backend.url, store: #"max_staleness = "2s""#,
                view: """
                    cache_ttl = "1s"
                    defaults = { age = "0", country = "unknown", avg_spend = "0" }
                    """))
        defer {
            Task {
                await gateway.stop()
                await backend.stop()
                await redis.stop()
            }
        }
        #expect(try await Self.load(gateway, Self.users).status == 0)
        let body = #"{"user_id": "u1"}"#

        let fresh = try await gateway.invoke("json", body: body, contentType: "application/json")
        #expect(Self.userFeatures(fresh)?["country"] as? String == "FR")

        await redis.kill()
        let stale = try await gateway.invoke("json", body: body, contentType: "application/json")
        #expect(stale.status == 200)
        #expect(Self.userFeatures(stale)?["country"] as? String == "FR", "\(stale.text)")

        try await eventually("defaults are served", timeout: .seconds(20)) {
            let answer = try await gateway.invoke("json", body: body, contentType: "application/json")
            return answer.status == 200 && Self.userFeatures(answer)?["country"] as? String == "unknown"
        }
        let health = try await HTTP.request(.GET, "\(gateway.url)/healthz")
        #expect(health.status == 200)

        try await redis.restart()
        #expect(try await Self.load(gateway, Self.users).status == 0)
        try await eventually("fresh values after Redis is back", timeout: .seconds(30)) {
            let answer = try await gateway.invoke("json", body: body, contentType: "application/json")
            return Self.userFeatures(answer)?["country"] as? String == "FR"
        }
    }

    @Test("readiness is 503 until warm-up finishes or its deadline passes")
    func warmUpGatesReadiness() async throws {
        let unreachable = try FreePort.refusing()
        let backend = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        defer { Task { await backend.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mlgw-warmup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("u1\nu2\n".utf8).write(to: directory.appendingPathComponent("hot.txt"))
        let port = try FreePort.next()
        let adminPort = try FreePort.next()
        let configuration = """
            [server]
            listen = "127.0.0.1:\(port)"
            admin_listen = "127.0.0.1:\(adminPort)"
            state_dir = "var"

            """
            + Self.configuration(
                redis: "redis://127.0.0.1:\(unreachable)/0", backend: backend.url,
                view: #"warmup = { keys_file = "hot.txt", deadline = "4s" }"#)
        let file = directory.appendingPathComponent("gateway.conf")
        try Data(configuration.utf8).write(to: file)
        let child = try ChildProcess(
            BuiltProducts.path("mlgateway"), ["serve", "--config", file.path], currentDirectory: directory)
        defer { Task { await child.stop() } }

        var sawNotReady = false
        try await eventually("readiness turns 200", timeout: .seconds(40), interval: .milliseconds(50)) {
            let response = try await HTTP.request(.GET, "http://127.0.0.1:\(adminPort)/readyz", timeout: .seconds(2))
            if response.status == 503, response.text.contains("feature warm-up") { sawNotReady = true }
            return response.status == 200
        }
        #expect(sawNotReady, "\(child.output)")
        #expect(child.output.contains("Feature warm-up finished"))
    }

    @Test("a reload loads the hot keys again, from the keys file as it is now")
    func reloadWarmsUpAgain() async throws {
        let redis = try await RedisServer.start()
        let backend = try await DemoBackendProcess.start(name: "echo", mode: "echo")
        let body = Self.configuration(
            redis: redis.url, backend: backend.url, view: #"warmup = { keys_file = "hot.txt", deadline = "10s" }"#)
        let gateway = try await GatewayProcess.start(body)
        defer {
            Task {
                await gateway.stop()
                await backend.stop()
                await redis.stop()
            }
        }
        let loaded = try await Self.load(gateway, Self.users)
        #expect(loaded.status == 0, "\(loaded.output)")

        try Data("u1\nu2\n".utf8).write(to: gateway.directory.appendingPathComponent("hot.txt"))
        let reload = try await HTTP.request(.POST, "\(gateway.adminURL)/admin/reload")
        #expect(reload.status == 200, "\(reload.text)")
        try await eventually("the reload's warm-up loaded both users") {
            try await gateway.metrics().value("mlgateway_feature_warmup_keys", ["view": "user"]) == 2
        }
        #expect(gateway.output.contains("Feature warm-up after reload finished"))
        let response = try await HTTP.request(.GET, "\(gateway.adminURL)/readyz")
        #expect(response.status == 200)

        let warmed = try await gateway.invoke("json", body: #"{"user_id": "u2"}"#, contentType: "application/json")
        #expect(Self.userFeatures(warmed)?["country"] as? String == "DE", "\(warmed.text)")
        let metrics = try await gateway.metrics()
        #expect(metrics.value("mlgateway_feature_cache_hits_total", ["view": "user"]) == 1)
        #expect(metrics.value("mlgateway_feature_cache_misses_total", ["view": "user"]) ?? 0 == 0)
    }
}
