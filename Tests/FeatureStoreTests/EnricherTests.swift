import NIOCore
import TestSupport
import Testing

@testable import FeatureStore

@Suite struct EnricherTests {
    private func makeEnricher(
        _ server: RedisServer, rules: [EnrichmentRule], views: [FeatureViewConfiguration] = [userView()]
    ) async throws -> Enricher {
        let service = try makeService(server, views: views)
        try await storeUser(service.redis, "42", age: "31", country: "DE", spend: "12.5", timestamp: 1)
        try await storeUser(service.redis, "7", age: "19", country: "a,b", spend: "0", timestamp: 1)
        return try Enricher(service: service, rules: rules)
    }

    private func json(_ text: String) -> EnrichmentRequest {
        EnrichmentRequest(body: ByteBuffer(string: text), contentType: "application/json")
    }

    @Test func insertsFeaturesIntoAJSONBody() async throws {
        try await withRedis { server in
            let enricher = try await makeEnricher(
                server, rules: [EnrichmentRule(view: "user", key: "$.user_id", into: "$.features.user")])
            let result = try await enricher.enrich(json(#"{"user_id": "42", "inputs": [1, 2]}"#))
            #expect(
                String(buffer: result.body)
                    == #"{"user_id": "42", "inputs": [1, 2],"features":{"user":{"age":31,"country":"DE","avg_spend":12.5}}}"#
            )
            #expect(result.features == ["user": ["age": "31", "country": "DE", "avg_spend": "12.5"]])
            await enricher.service.shutdown()
        }
    }

    @Test func servesFromTheCacheWithoutWaitingOnceEveryFeatureIsThere() async throws {
        try await withRedis { server in
            let views = [userView(), FeatureViewConfiguration(name: "item", features: ["price"])]
            let enricher = try await makeEnricher(
                server,
                rules: [
                    EnrichmentRule(view: "user", key: "$.user_id", into: "$.user"),
                    EnrichmentRule(view: "item", key: "header:X-Item", into: "$.item"),
                ],
                views: views)
            try await enricher.service.redis.command(["HSET", "mlgw:item:9", "price", "3"])
            var request = json(#"{"user_id": "42"}"#)
            request.headers = [(name: "x-item", value: "9")]
            #expect(try enricher.enrichFromCache(request) == nil)
            let read = try await enricher.enrich(request)
            let cached = try #require(try enricher.enrichFromCache(request))
            #expect(String(buffer: cached.body) == String(buffer: read.body))
            #expect(cached.features == read.features)
            #expect(cached.lookups.map(\.source) == [.cache, .cache])
            var other = json(#"{"user_id": "7"}"#)
            other.headers = request.headers
            #expect(try enricher.enrichFromCache(other) == nil)
            await enricher.service.shutdown()
        }
    }

    @Test func acceptsNumericKeysAndNestedPaths() async throws {
        try await withRedis { server in
            let enricher = try await makeEnricher(
                server, rules: [EnrichmentRule(view: "user", key: "$.ctx.ids[0]", into: "$.user")])
            let result = try await enricher.enrich(json(#"{"ctx": {"ids": [42, 7]}}"#))
            #expect(String(buffer: result.body).hasSuffix(#","user":{"age":31,"country":"DE","avg_spend":12.5}}"#))
            await enricher.service.shutdown()
        }
    }

    @Test func missingKeyIsAClientErrorNamingTheKey() async throws {
        try await withRedis { server in
            let enricher = try await makeEnricher(server, rules: [EnrichmentRule(view: "user", key: "$.user_id")])
            await #expect {
                try await enricher.enrich(json(#"{"other": 1}"#))
            } throws: { error in
                guard let error = error as? FeatureStoreError else { return false }
                return error == .missingEntityKey(view: "user", key: "$.user_id") && error.isClientError
                    && "\(error)".contains("$.user_id")
            }
            await enricher.service.shutdown()
        }
    }

    @Test func malformedJSONIsAClientErrorNamingThePlace() async throws {
        try await withRedis { server in
            let enricher = try await makeEnricher(server, rules: [EnrichmentRule(view: "user", key: "$.user_id")])
            for body in [#"{"user_id": "42"} trailing"#, #"{"user_id": 42x}"#, "not json"] {
                await #expect {
                    try await enricher.enrich(json(body))
                } throws: { error in
                    guard let error = error as? FeatureStoreError, case .invalidBody(let reason) = error else {
                        return false
                    }
                    return error.isClientError && reason.hasPrefix("malformed JSON: ")
                }
            }
            await enricher.service.shutdown()
        }
    }

    @Test func missingKeyUsesDefaultsWhenConfigured() async throws {
        try await withRedis { server in
            let view = userView(defaults: ["age": "0", "country": "unknown", "avg_spend": "0"])
            let enricher = try await makeEnricher(
                server, rules: [EnrichmentRule(view: "user", key: "$.user_id", into: "$.user")], views: [view])
            let result = try await enricher.enrich(json(#"{}"#))
            #expect(String(buffer: result.body) == #"{"user":{"age":0,"country":"unknown","avg_spend":0}}"#)
            #expect(result.lookups.first?.source == .default)
            await enricher.service.shutdown()
        }
    }

    @Test func readsKeysFromHeadersAndQuery() async throws {
        try await withRedis { server in
            let views = [userView(), FeatureViewConfiguration(name: "item", features: ["price"])]
            let enricher = try await makeEnricher(
                server,
                rules: [
                    EnrichmentRule(view: "user", key: "header:X-User-Id", into: "$.u"),
                    EnrichmentRule(view: "item", key: "query:item", into: "$.i"),
                ], views: views)
            try await enricher.service.redis.command(["HSET", "mlgw:item:9", "price", "9.99"])
            let request = EnrichmentRequest(
                body: ByteBuffer(string: "{}"), contentType: "application/json",
                headers: [(name: "x-user-id", value: "42")], query: [(name: "item", value: "9")])
            let result = try await enricher.enrich(request)
            #expect(
                String(buffer: result.body)
                    == #"{"u":{"age":31,"country":"DE","avg_spend":12.5},"i":{"price":9.99}}"#)
            #expect(result.features["item"] == ["price": "9.99"])
            await enricher.service.shutdown()
        }
    }

    @Test func appendsFeaturesToEveryCSVRow() async throws {
        try await withRedis { server in
            let enricher = try await makeEnricher(server, rules: [EnrichmentRule(view: "user", key: "csv:0")])
            let request = EnrichmentRequest(
                body: ByteBuffer(string: "42,1.5\r\n7,2.5\n\n99,3\n"), contentType: "text/csv")
            let result = try await enricher.enrich(request)
            #expect(String(buffer: result.body) == "42,1.5,31,DE,12.5\r\n7,2.5,19,\"a,b\",0\n\n99,3,,,\n")
            #expect(result.features["user"]?["age"] == "31")
            await enricher.service.shutdown()
        }
    }

    @Test func csvRowWithoutItsKeyColumnNamesTheLine() async throws {
        try await withRedis { server in
            let enricher = try await makeEnricher(server, rules: [EnrichmentRule(view: "user", key: "csv:2")])
            await #expect {
                try await enricher.enrich(
                    EnrichmentRequest(body: ByteBuffer(string: "1,2,42\n3,4\n"), contentType: "text/csv"))
            } throws: { error in
                (error as? FeatureStoreError) == .missingEntityKey(view: "user", key: "csv:2 (line 2)")
            }
            await enricher.service.shutdown()
        }
    }

    @Test func compositeKeysComeFromSeveralSources() async throws {
        try await withRedis { server in
            let view = FeatureViewConfiguration(name: "pair", features: ["clicks"], entityKeys: ["user", "item"])
            let enricher = try await makeEnricher(
                server, rules: [EnrichmentRule(view: "pair", keys: ["$.user", "header:X-Item"], into: "$.pair")],
                views: [view])
            try await enricher.service.redis.command(["HSET", "mlgw:pair:u1|i2", "clicks", "17"])
            let request = EnrichmentRequest(
                body: ByteBuffer(string: #"{"user":"u1"}"#), contentType: "application/json",
                headers: [(name: "X-Item", value: "i2")])
            #expect(String(buffer: try await enricher.enrich(request).body) == #"{"user":"u1","pair":{"clicks":17}}"#)
            await enricher.service.shutdown()
        }
    }

    @Test func severalViewsAreReadForOneRequest() async throws {
        try await withRedis { server in
            let views = [userView(), FeatureViewConfiguration(name: "item", features: ["price", "title"])]
            let enricher = try await makeEnricher(
                server,
                rules: [
                    EnrichmentRule(view: "user", key: "$.user_id"),
                    EnrichmentRule(view: "item", key: "$.item_id"),
                ], views: views)
            try await enricher.service.redis.command(["HSET", "mlgw:item:5", "price", "3", "title", "Mug"])
            let result = try await enricher.enrich(json(#"{"user_id":"42","item_id":5}"#))
            #expect(
                String(buffer: result.body)
                    == #"{"user_id":"42","item_id":5,"features":{"user":{"age":31,"country":"DE","avg_spend":12.5},"item":{"price":3,"title":"Mug"}}}"#
            )
            #expect(result.features.keys.sorted() == ["item", "user"])
            await enricher.service.shutdown()
        }
    }

    @Test func otherBodiesPassThroughWithFeaturesForTemplates() async throws {
        try await withRedis { server in
            let enricher = try await makeEnricher(server, rules: [EnrichmentRule(view: "user", key: "query:uid")])
            let request = EnrichmentRequest(
                body: ByteBuffer(string: "raw bytes"), contentType: "application/octet-stream",
                query: [(name: "uid", value: "42")])
            let result = try await enricher.enrich(request)
            #expect(String(buffer: result.body) == "raw bytes")
            #expect(result.features["user"]?["country"] == "DE")
            await enricher.service.shutdown()
        }
    }

    @Test func jsonPathKeysNeedAJSONBody() async throws {
        try await withRedis { server in
            let enricher = try await makeEnricher(server, rules: [EnrichmentRule(view: "user", key: "$.user_id")])
            await #expect {
                try await enricher.enrich(EnrichmentRequest(body: ByteBuffer(string: "1,2"), contentType: "text/csv"))
            } throws: { error in
                (error as? FeatureStoreError)?.isClientError == true
            }
            await enricher.service.shutdown()
        }
    }

    @Test func rulesAreValidatedAgainstTheViews() async throws {
        try await withRedis { server in
            let service = try makeService(server, views: [userView()])
            #expect(throws: FeatureStoreError.unknownView("item")) {
                try Enricher(service: service, rules: [EnrichmentRule(view: "item", key: "$.id")])
            }
            #expect(throws: FeatureStoreError.self) {
                try Enricher(service: service, rules: [EnrichmentRule(view: "user", keys: ["$.a", "$.b"])])
            }
            #expect(throws: FeatureStoreError.self) { try EnrichmentRule(view: "user", key: "cookie:x") }
            #expect(throws: FeatureStoreError.self) { try EnrichmentRule(view: "user", key: "$.a", into: "$.list[0]") }
            await service.shutdown()
        }
    }
}
