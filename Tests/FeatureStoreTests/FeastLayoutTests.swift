import Foundation
import NIOCore
import SwiftProtobuf
import TestSupport
import Testing

@testable import FeatureStore

/// The Feast layout against vectors computed with Feast 0.67's own functions (`mmh3.hash`,
/// `serialize_entity_key`), and a service reading hashes written as Feast's Redis online store writes them.
@Suite struct FeastLayoutTests {
    @Test(arguments: [
        ("", 0 as UInt32), ("a", 1_009_084_850), ("ab", 2_613_040_991), ("abc", 3_017_643_002),
        ("abcd", 1_139_631_978), ("user_stats:age", 3_584_437_225), ("driver_hourly_stats:conv_rate", 3_672_334_433),
        ("ü:é", 1_337_654_812),
    ])
    func murmurHashIsFeastsFieldHash(text: String, expected: UInt32) {
        #expect(MurmurHash3.hash32(text.utf8) == expected)
    }

    @Test func featureFieldIsTheHashLittleEndian() {
        #expect(MurmurHash3.feastField(view: "user_stats", feature: "age") == [0xe9, 0x2b, 0xa6, 0xd5])
    }

    @Test(arguments: [
        (
            ["driver_id"], [FeastKeyType.int64], ["1001"], 3,
            "0100000002000000090000006472697665725f69640400000008000000e903000000000000"
        ),
        (["driver_id"], [.int64], ["1001"], 2, "020000006472697665725f69640400000008000000e903000000000000"),
        (
            ["user_id", "store_id"], [.string, .int32], ["u1", "-5"], 3,
            "02000000020000000800000073746f72655f69640200000007000000757365725f69640300000004000000fbffffff"
                + "02000000020000007531"
        ),
        (
            ["user_id", "store_id"], [.string, .int32], ["u1", "-5"], 2,
            "0200000073746f72655f696402000000757365725f69640300000004000000fbffffff02000000020000007531"
        ),
        (
            ["Z", "a"], [.string, .unixTimestamp], ["é", "1700000000"], 3,
            "0200000002000000010000005a0200000001000000610200000002000000c3a9080000000800000000f1536500000000"
        ),
    ])
    func entityKeyIsFeastsSerialization(
        keys: [String], types: [FeastKeyType], parts: [String], version: Int, expected: String
    ) throws {
        let key = FeastEntityKey(joinKeys: keys, types: types, version: version, project: "p")
        let bytes = try key.redisKey(parts: parts.map { $0[...] })
        #expect(hex(bytes) == expected + hex(Array("p".utf8)))
    }

    @Test func entityThatIsNotAnIntegerOfItsTypeIsAClientError() throws {
        let reader = ViewReader(store: feastStore(), view: pairView())
        #expect(throws: FeatureStoreError.self) { try reader.key(entity: "u1|x") }
        do {
            _ = try reader.key(entity: "u1|99999999999")
        } catch {
            #expect(error.isClientError)
            #expect(
                error.description
                    == "entity key store_id for feature view 'user_store' must be an integer of type int32, got "
                    + "'99999999999'")
        }
        #expect(throws: FeatureStoreError.self) { try reader.key(entity: "u1") }
        #expect(try reader.key(entity: "u1|7").count > 0)
    }

    @Test func valuesKeepTheirTypes() throws {
        func decoded(_ build: (inout Feast_Types_Value) -> Void) throws -> (String, FeatureValueKind)? {
            var value = Feast_Types_Value()
            build(&value)
            return FeastValue.decode(try value.serializedBytes())
        }
        #expect(try decoded { $0.int64Val = -42 }! == ("-42", .number))
        #expect(try decoded { $0.int32Val = 7 }! == ("7", .number))
        #expect(try decoded { $0.doubleVal = 1e-05 }! == ("1e-05", .number))
        #expect(try decoded { $0.floatVal = 0.1 }! == ("0.10000000149011612", .number))
        #expect(try decoded { $0.doubleVal = .nan }! == ("NaN", .string))
        #expect(try decoded { $0.stringVal = "42" }! == ("42", .string))
        #expect(try decoded { $0.boolVal = false }! == ("false", .json))
        #expect(try decoded { $0.unixTimestampVal = 1_700_000_000 }! == ("2023-11-14T22:13:20Z", .string))
        #expect(try decoded { $0.unixTimestampVal = Int64.min } == nil)
        #expect(try decoded { $0.bytesVal = Data([0, 1, 255]) }! == ("AAH/", .string))
        #expect(try decoded { $0.nullVal = .null } == nil)
        #expect(try decoded { _ in } == nil)
        #expect(try decoded { $0.doubleListVal.val = [1.5, -2] }! == ("[1.5,-2.0]", .json))
        #expect(try decoded { $0.stringListVal.val = ["a\"b", "c"] }! == (#"["a\"b","c"]"#, .json))
        #expect(try decoded { $0.boolListVal.val = [true] }! == ("[true]", .json))
        #expect(
            try decoded { $0.unixTimestampListVal.val = [0, Int64.min] }! == (#"["1970-01-01T00:00:00Z",null]"#, .json))
        #expect(FeastValue.decode([0xff, 0xff]) == nil)
    }

    @Test func serviceReadsFeastHashesWithTypesAndEventTime() async throws {
        try await withRedis { server in
            let clock = ManualClock()
            let view = FeatureViewConfiguration(
                name: "user_stats", features: ["age", "tier", "active"], entityKeys: ["user_id"], maxAge: .seconds(60),
                defaults: ["tier": "none"])
            let service = try feastService(server, views: [view], clock: clock)
            try await writeFeast(
                service.redis, view: "user_stats", key: ["u1"], types: [.string],
                values: [
                    ("age", { $0.int64Val = 31 }), ("tier", { $0.stringVal = "007" }),
                    ("active", { $0.boolVal = true }),
                ],
                eventTime: clock.unixMilliseconds)
            let lookup = try await service.lookup(view: "user_stats", entity: "u1")
            #expect(lookup.source == .redis)
            #expect(lookup.values == ["31", "007", "true"])
            #expect(lookup.kinds == [.number, .string, .json])
            var json = ByteBuffer()
            FeatureJSON.writeObject(lookup, to: &json)
            #expect(String(buffer: json) == #"{"age":31,"tier":"007","active":true}"#)

            let absent = try await service.lookup(view: "user_stats", entity: "nobody")
            #expect(absent.source == .default)
            #expect(absent.values == [nil, "none", nil])

            clock.advance(.seconds(61))
            service.clearCache()
            let old = try await service.lookup(view: "user_stats", entity: "u1")
            #expect(old.source == .default)
            await service.shutdown()
        }
    }

    @Test func warmUpReadsAnEntityDataFrameExportedAsCSV() async throws {
        try await withRedis { server in
            let keys = try temporaryFile(
                ",user_id,store_id,event_timestamp\n0,u1,7,2026-12-01 10:00:00+00:00\n1,u2,8,2026-12-01 10:00:00+00:00\n",
                extension: "csv")
            var view = pairView()
            view.warmup = .init(source: .keysFile(keys.path), deadline: .seconds(10))
            let service = try feastService(server, views: [view])
            try await writeFeast(
                service.redis, view: "user_store", key: ["u1", "7"], types: [.string, .int32],
                values: [("visits", { $0.int64Val = 3 })], eventTime: 0)
            let report = await service.warmUp()
            #expect(report.views.first?.keysLoaded == 2)
            let lookup = try #require(try service.cachedLookups([("user_store", "u1|7")])?.first)
            #expect(lookup.values == ["3"])
            await service.shutdown()
        }
    }

    @Test func scanWarmUpIsRefusedForFeast() throws {
        var view = pairView()
        view.warmup = .init(source: .scan(limit: 10))
        #expect(throws: FeatureStoreError.self) {
            try FeatureService(configuration: feastStore(), views: [view])
        }
    }

    @Test func repositoryReadsViewsJoinKeysAndTypesFromTheRegistry() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feast-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("data"), withIntermediateDirectories: true)
        try Data(
            """
            project: shop # the project
            registry:
              registry_type: file
              path: data/registry.db
            online_store:
              type: redis
              connection_string: "localhost:6379"
            entity_key_serialization_version: 2
            """.utf8
        ).write(to: directory.appendingPathComponent("feature_store.yaml"))
        var registry = Feast_Core_Registry()
        var entity = Feast_Core_Entity()
        entity.spec.name = "store"
        entity.spec.joinKey = "store_id"
        entity.spec.valueType = .int64
        entity.spec.project = "shop"
        registry.entities = [entity]
        var stats = Feast_Core_FeatureView()
        stats.spec.name = "store_stats"
        stats.spec.project = "shop"
        stats.spec.entities = ["store"]
        stats.spec.features = ["revenue", "open"].map { name in
            var feature = Feast_Core_FeatureSpecV2()
            feature.name = name
            return feature
        }
        var other = stats
        other.spec.name = "elsewhere"
        other.spec.project = "another"
        var floatKeyed = stats
        floatKeyed.spec.name = "by_rating"
        var column = Feast_Core_FeatureSpecV2()
        column.name = "rating"
        column.valueType = .double
        floatKeyed.spec.entityColumns = [column]
        registry.featureViews = [stats, other, floatKeyed]
        try (registry.serializedBytes() as Data).write(to: directory.appendingPathComponent("data/registry.db"))

        let repository = try FeastRepository(directory: directory.path)
        #expect(repository.project == "shop")
        #expect(repository.entityKeySerializationVersion == 2)
        #expect(repository.views.map(\.name) == ["store_stats", "by_rating"])
        let view = try #require(repository.view(named: "store_stats"))
        #expect(view.features == ["revenue", "open"])
        #expect(view.joinKeys == ["store_id"])
        #expect(view.joinKeyTypes == [.int64])
        #expect(view.unsupported == nil)
        #expect(repository.view(named: "by_rating")?.unsupported?.contains("rating") == true)

        try Data("project: shop\nregistry:\n  registry_type: sql\n  path: postgresql://x\n".utf8)
            .write(to: directory.appendingPathComponent("feature_store.yaml"))
        #expect(throws: FeatureStoreError.self) { try FeastRepository(directory: directory.path) }
        try Data("project: shop\nregistry: s3://bucket/registry.db\n".utf8)
            .write(to: directory.appendingPathComponent("feature_store.yaml"))
        #expect(throws: FeatureStoreError.self) { try FeastRepository(directory: directory.path) }
        try FileManager.default.removeItem(at: directory)
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

private func feastStore(url: String = "redis://127.0.0.1:6379") -> FeatureStoreConfiguration {
    var configuration = FeatureStoreConfiguration(redis: try! RedisURL(parsing: url))
    configuration.layout = .feast(project: "shop", entityKeySerializationVersion: 3)
    configuration.lookupBudget = .seconds(30)
    return configuration
}

private func pairView() -> FeatureViewConfiguration {
    var view = FeatureViewConfiguration(name: "user_store", features: ["visits"], entityKeys: ["user_id", "store_id"])
    view.entityKeyTypes = [.string, .int32]
    return view
}

private func feastService(
    _ server: RedisServer, views: [FeatureViewConfiguration], clock: ManualClock = ManualClock()
) throws -> FeatureService {
    let configuration = feastStore(url: server.url)
    return try FeatureService(
        configuration: configuration, views: views,
        redis: RedisClient(configuration: fastClientConfiguration(configuration.redis)), clock: clock.featureClock,
        logger: .init(label: "test"))
}

/// Writes one entity's features of `view` as Feast's Redis online store does (`online_write_batch`).
private func writeFeast(
    _ client: RedisClient, view: String, key parts: [String], types: [FeastKeyType],
    values: [(String, (inout Feast_Types_Value) -> Void)], eventTime: Int64
) async throws {
    let joinKeys = ["user_id", "store_id"].prefix(parts.count).map { $0 }
    let key = try FeastEntityKey(joinKeys: joinKeys, types: types, version: 3, project: "shop")
        .redisKey(parts: parts.map { $0[...] })
    var timestamp = Google_Protobuf_Timestamp()
    timestamp.seconds = eventTime / 1000
    timestamp.nanos = Int32(eventTime % 1000) * 1_000_000
    var command: [[UInt8]] = [Array("HSET".utf8), key, Array("_ts:\(view)".utf8), try timestamp.serializedBytes()]
    for (feature, build) in values {
        var value = Feast_Types_Value()
        build(&value)
        command += [MurmurHash3.feastField(view: view, feature: feature), try value.serializedBytes()]
    }
    try await client.command(bytes: command)
}
