import Foundation
import TestSupport
import Testing

@testable import FeatureStore

@Suite struct FeatureLoaderTests {
    private func makeLoader(_ server: RedisServer) throws -> (FeatureLoader, RedisClient) {
        let client = try makeClient(server)
        let configuration = FeatureStoreConfiguration(redis: try RedisURL(parsing: server.url))
        return (
            FeatureLoader(redis: client, configuration: configuration, unixMilliseconds: { 1_700_000_000_000 }), client
        )
    }

    private func load(
        _ loader: FeatureLoader, _ contents: String, extension fileExtension: String,
        view: FeatureViewConfiguration = userView(), options: FeatureLoader.Options
    ) async throws -> FeatureLoader.Summary {
        let file = try temporaryFile(contents, extension: fileExtension)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await loader.load(path: file.path, view: view, options: options)
    }

    @Test func loadsACSVFile() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            let csv = "user_id,age,country,avg_spend,_ts,extra\n1,30,DE,1.5,1699999999000,x\n2,40,\"Paris, FR\",2,,y\n"
            let summary = try await load(loader, csv, extension: "csv", options: .init(entityColumns: ["user_id"]))
            #expect(summary.rowsRead == 2)
            #expect(summary.rowsWritten == 2)
            #expect(summary.badRows.isEmpty)
            #expect(
                try await loader.get(view: userView(), entity: "1")
                    == ["age": "30", "country": "DE", "avg_spend": "1.5", "_ts": "1699999999000"])
            #expect(try await loader.get(view: userView(), entity: "2")?["country"] == "Paris, FR")
            #expect(try await loader.get(view: userView(), entity: "2")?["_ts"] == "1700000000000")
            #expect(try await loader.get(view: userView(), entity: "3") == nil)
            await client.shutdown()
        }
    }

    @Test func loadsJSONLinesWithNumbersInTheirShortestExactForm() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            let jsonl = #"""
                {"user_id": 1, "age": 30, "country": "DE", "avg_spend": 0.1}
                {"user_id": "u2", "age": 41, "country": null, "ignored": {"a": 1}}
                {"user_id": "u3", "age": 1e2, "country": "12.50", "avg_spend": 12.50}
                {"user_id": "u4", "age": -0.0, "country": "x", "avg_spend": 123456789012345678901234.5}
                """#
            let summary = try await load(loader, jsonl, extension: "jsonl", options: .init(entityColumns: ["user_id"]))
            #expect(summary.rowsWritten == 4)
            #expect(try await loader.get(view: userView(), entity: "1")?["avg_spend"] == "0.1")
            let second = try await loader.get(view: userView(), entity: "u2")
            #expect(second?["age"] == "41")
            #expect(second?["country"] == nil)
            let third = try await loader.get(view: userView(), entity: "u3")
            #expect(third?["age"] == "100")
            #expect(third?["avg_spend"] == "12.5")
            #expect(third?["country"] == "12.50")
            let fourth = try await loader.get(view: userView(), entity: "u4")
            #expect(fourth?["age"] == "0")
            #expect(fourth?["avg_spend"] == "1.234567890123456789012345e23")
            await client.shutdown()
        }
    }

    @Test func shortestExactDecimalText() {
        let cases = [
            ("0", "0"), ("-0", "0"), ("-0.000", "0"), ("12.50", "12.5"), ("1e2", "100"), ("1E+2", "100"),
            ("1.5e-3", "0.0015"), ("0.000001", "0.000001"), ("1e-7", "1e-7"), ("-2.50e-7", "-2.5e-7"),
            ("1e21", "1e21"), ("100000000000000000000", "100000000000000000000"),
            ("12345678901234567890123", "1.2345678901234567890123e22"), ("-7", "-7"), ("10.0", "10"),
        ]
        for (text, expected) in cases { #expect(DecimalText.canonical(text) == expected, "\(text)") }
        for text in ["", "-", "01", "1.", ".5", "1e", "1e+", "i1", "1x", "tru", "+1"] {
            #expect(DecimalText.canonical(text) == nil, "\(text)")
        }
    }

    @Test func reportsBadRowsWithLineNumbersAndKeepsGoing() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            let csv = """
                user_id,age,country,avg_spend,_ts
                1,30,DE,1,1000
                2,31,FR
                ,32,IT,1,1000
                4,33,ES,1,yesterday
                5,34,PT,1,1000
                """
            let summary = try await load(
                loader, csv, extension: "csv", options: .init(entityColumns: ["user_id"], batchSize: 2))
            #expect(summary.rowsRead == 5)
            #expect(summary.rowsWritten == 2)
            #expect(summary.badRows.map(\.line) == [3, 4, 5])
            #expect(summary.badRows[0].reason.contains("expected 5 fields, found 3"))
            #expect(summary.badRows[1].reason.contains("entity column 'user_id'"))
            #expect(summary.badRows[2].reason.contains("_ts"))
            #expect(try await loader.get(view: userView(), entity: "5")?["country"] == "PT")
            #expect(try await loader.get(view: userView(), entity: "2") == nil)
            #expect(try await loader.get(view: userView(), entity: "4") == nil)
            await client.shutdown()
        }
    }

    @Test func badJSONLinesAreReported() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            let jsonl = """
                {"user_id": 1, "age": 30}
                {"user_id": 2, "age": [1]}
                not json

                {"user_id": 3, "age": 31} trailing
                {"user_id": 4, "age": i1}
                """
            let summary = try await load(loader, jsonl, extension: "jsonl", options: .init(entityColumns: ["user_id"]))
            #expect(summary.rowsWritten == 1)
            #expect(summary.badRows.map(\.line) == [2, 3, 5, 6])
            #expect(summary.badRows[0].reason.contains("'age'"))
            #expect(summary.badRows[3].reason.contains("'age' is not a JSON value: i1"))
            await client.shutdown()
        }
    }

    @Test func stopOnErrorStopsAtTheFirstBadRow() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            let csv = "user_id,age\n1,30\n2\n3,40\n"
            let summary = try await load(
                loader, csv, extension: "csv", options: .init(entityColumns: ["user_id"], stopOnError: true))
            #expect(summary.stoppedEarly)
            #expect(summary.rowsWritten == 1)
            #expect(summary.badRows.map(\.line) == [3])
            #expect(try await loader.get(view: userView(), entity: "3") == nil)
            await client.shutdown()
        }
    }

    @Test func rowsRejectedByRedisAreNeverHalfWritten() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            try await client.command(["SET", "mlgw:user:2", "not a hash"])
            let csv = "user_id,age,country\n1,30,DE\n2,31,FR\n3,32,IT\n"
            let summary = try await load(
                loader, csv, extension: "csv", options: .init(entityColumns: ["user_id"], ttl: .seconds(3600)))
            #expect(summary.rowsWritten == 2)
            #expect(summary.badRows.first?.line == 3)
            #expect(summary.badRows.first?.reason.hasPrefix("Redis rejected the row: WRONGTYPE") == true)
            #expect(summary.badRows.first?.reason.contains("script") == false)
            #expect(try await client.command(["GET", "mlgw:user:2"]).string == "not a hash")
            #expect(try await client.command(["PTTL", "mlgw:user:2"]).int == -1)
            #expect(try await loader.get(view: userView(), entity: "3")?["country"] == "IT")
            await client.shutdown()
        }
    }

    @Test func appliesTheTTL() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            _ = try await load(
                loader, "user_id,age\n1,30\n", extension: "csv",
                options: .init(entityColumns: ["user_id"], ttl: .seconds(7 * 86_400)))
            let ttl = try await client.command(["TTL", "mlgw:user:1"]).int ?? -1
            #expect(ttl > 6 * 86_400 && ttl <= 7 * 86_400)
            await client.shutdown()
        }
    }

    @Test func emptyCellsDeleteTheFeature() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            _ = try await load(
                loader, "user_id,age,country\n1,30,DE\n", extension: "csv", options: .init(entityColumns: ["user_id"]))
            _ = try await load(
                loader, "user_id,age,country\n1,31,\n", extension: "csv", options: .init(entityColumns: ["user_id"]))
            let stored = try await loader.get(view: userView(), entity: "1")
            #expect(stored?["age"] == "31")
            #expect(stored?["country"] == nil)
            await client.shutdown()
        }
    }

    @Test func loadsCompositeEntities() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            let view = FeatureViewConfiguration(name: "pair", features: ["clicks"], entityKeys: ["user", "item"])
            _ = try await load(
                loader, "user,item,clicks\nu1,i2,5\n", extension: "csv", view: view,
                options: .init(entityColumns: ["user", "item"]))
            #expect(try await loader.get(view: view, entity: "u1|i2")?["clicks"] == "5")
            await client.shutdown()
        }
    }

    @Test func reportsProgressPerBatch() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            let rows = (1...25).map { "\($0),\($0)" }.joined(separator: "\n")
            let file = try temporaryFile("user_id,age\n" + rows, extension: "csv")
            defer { try? FileManager.default.removeItem(at: file) }
            let reports = Locked<[Int]>([])
            let summary = try await loader.load(
                path: file.path, view: userView(), options: .init(entityColumns: ["user_id"], batchSize: 10)
            ) { progress in reports.withLock { $0.append(progress.rowsWritten) } }
            #expect(reports.withLock { $0 } == [10, 20, 25])
            #expect(summary.rowsWritten == 25)
            await client.shutdown()
        }
    }

    @Test func rejectsUnusableFiles() async throws {
        try await withRedis { server in
            let (loader, client) = try makeLoader(server)
            await #expect(throws: FeatureStoreError.self) {
                try await load(loader, "id,age\n1,2\n", extension: "csv", options: .init(entityColumns: ["user_id"]))
            }
            await #expect(throws: FeatureStoreError.self) {
                try await load(
                    loader, "user_id,other\n1,2\n", extension: "csv", options: .init(entityColumns: ["user_id"]))
            }
            await #expect(throws: FeatureStoreError.self) {
                try await load(loader, "x", extension: "parquet", options: .init(entityColumns: ["user_id"]))
            }
            await client.shutdown()
        }
    }
}
