import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Template admin API")
struct TemplateAdminAPITests {
    let directory: TemporaryDirectory
    let runtime: GatewayRuntime

    static let base = "/admin/endpoints/demo/templates/request/application/json"

    init() throws {
        directory = try TemporaryDirectory()
        try directory.write("file.vtl", "from the file $stageVariables.model")
        let configuration = try TemplateFixtures.configuration(
            in: directory,
            endpointExtra: """
                stage_variables = { model = "m1" }

                [[endpoint.request_template]]
                content_type = "application/json"
                file = "file.vtl"
                output_content_type = "text/csv"
                """)
        runtime = try GatewayRuntime(configuration: configuration, features: nil, logger: TemplateFixtures.logger)
    }

    func withClient(_ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: AdminAPI.router(runtime: runtime, readiness: Readiness()))
        try await app.test(.router) { client in try await test(client) }
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    static func jsonArray(_ response: TestResponse) throws -> [[String: Any]] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
    }

    /// The scope requests of the first endpoint's first variant see, through that variant's own cache.
    static func requestScope(_ runtime: GatewayRuntime) throws -> TemplateScope? {
        let endpoint = try #require(runtime.current.endpoints[runtime.configuration.endpoints[0].name])
        let variant = endpoint.production[0]
        return runtime.templates.scope(
            endpoint: endpoint.configuration, variant: variant.configuration, cache: variant.templateScope)
    }

    static func put(
        _ client: some TestClientProtocol, _ text: String, query: String = "author=alice", headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "\(base)?\(query)", method: .put, headers: headers, body: ByteBuffer(string: text))
    }

    @Test func createThenUpdateAnswers201Then200WithVersions() async throws {
        try await withClient { client in
            let first = try await Self.put(client, "one")
            #expect(first.status == .created)
            #expect(try Self.json(first)["version"] as? Int == 1)
            #expect(first.headers[.eTag] == "\"1\"")
            let second = try await Self.put(client, "two")
            #expect(second.status == .ok)
            #expect(try Self.json(second)["version"] as? Int == 2)
            #expect(try Self.json(second)["author"] as? String == "alice")
        }
    }

    @Test func aSyntaxErrorIsRejectedWithLineAndColumn() async throws {
        try await withClient { client in
            let response = try await Self.put(client, "ok line\n#foreach($x in)\n")
            #expect(response.status == .badRequest)
            #expect(response.headers[.amznErrorType] == "ValidationError")
            let body = try Self.json(response)
            #expect(body["line"] as? Int == 2)
            #expect((body["column"] as? Int ?? 0) > 0)
            let message = try #require(body["message"] as? String)
            #expect(message.hasPrefix("demo/request/application/json:2:"))
            let history = try await client.execute(uri: "\(Self.base)/versions", method: .get)
            #expect(history.status == .notFound)
        }
    }

    @Test func getShowsTheFileTemplateUntilOneIsStored() async throws {
        try await withClient { client in
            let before = try Self.json(try await client.execute(uri: Self.base, method: .get))
            #expect(before["origin"] as? String == "file")
            #expect(before["source"] as? String == "from the file $stageVariables.model")
            #expect(before["output_content_type"] as? String == "text/csv")
            _ = try await Self.put(client, "stored")
            let after = try await client.execute(uri: Self.base, method: .get)
            #expect(after.headers[.eTag] == "\"1\"")
            let body = try Self.json(after)
            #expect(body["origin"] as? String == "stored")
            #expect(body["source"] as? String == "stored")
            #expect(body["file"] as? String == "file.vtl")
            #expect(body["output_content_type"] as? String == "text/csv")
        }
    }

    @Test func getAVersionAndHistory() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "one")
            _ = try await Self.put(client, "two", query: "author=bob")
            let version = try Self.json(try await client.execute(uri: "\(Self.base)?version=1", method: .get))
            #expect(version["source"] as? String == "one")
            let history = try Self.jsonArray(try await client.execute(uri: "\(Self.base)/versions", method: .get))
            #expect(history.map { $0["version"] as? Int } == [1, 2])
            #expect(history.map { $0["author"] as? String } == ["alice", "bob"])
            #expect(history.allSatisfy { ($0["hash"] as? String)?.count == 64 && $0["created_at"] is String })
            #expect(history.allSatisfy { $0["source"] == nil })
            let missing = try await client.execute(uri: "\(Self.base)?version=9", method: .get)
            #expect(missing.status == .notFound)
        }
    }

    @Test func staleIfMatchConflicts() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "one")
            _ = try await Self.put(client, "two", headers: [.ifMatch: "\"1\""])
            let stale = try await Self.put(client, "three", headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .conflict)
            #expect(stale.headers[.amznErrorType] == "ConflictException")
            let expected = try await Self.put(client, "three", query: "expected_version=2")
            #expect(expected.status == .ok)
        }
    }

    @Test func concurrentEditsFromTheSameVersionLetOneWin() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "base")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<4 {
                    group.addTask { try await Self.put(client, "edit \(index)", headers: [.ifMatch: "\"1\""]).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 3)
        }
    }

    @Test func diffBetweenTwoVersions() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "a\nb\nc\n")
            _ = try await Self.put(client, "a\nB\nc\n")
            let diff = try await client.execute(uri: "\(Self.base)/diff?from=1&to=2", method: .get)
            #expect(diff.status == .ok)
            #expect(
                String(buffer: diff.body)
                    == "--- demo/request/application/json v1\n+++ demo/request/application/json v2\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
            )
        }
    }

    @Test func rollbackStoresACopyAndTakesEffect() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "one")
            _ = try await Self.put(client, "two")
            let rollback = try await client.execute(uri: "\(Self.base)/rollback?to=1&author=carol", method: .post)
            #expect(rollback.status == .ok)
            let body = try Self.json(rollback)
            #expect(body["version"] as? Int == 3)
            #expect(body["restored_from"] as? Int == 1)
            #expect(body["action"] as? String == "rollback")
            let scope = try Self.requestScope(runtime)
            #expect(scope?.requestTemplate(contentType: nil)?.template.source == "one")
        }
    }

    @Test func deleteRestoresTheFileTemplate() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "stored")
            let deleted = try await client.execute(uri: Self.base, method: .delete)
            #expect(deleted.status == .ok)
            let after = try Self.json(try await client.execute(uri: Self.base, method: .get))
            #expect(after["origin"] as? String == "file")
            #expect(after["latest_version"] as? Int == 2)
            let again = try await client.execute(uri: Self.base, method: .delete)
            #expect(again.status == .notFound)
        }
    }

    @Test func aChangeTakesEffectForNewRequestsAtOnce() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "live now")
            let scope = try Self.requestScope(runtime)
            #expect(scope?.requestTemplate(contentType: nil)?.template.source == "live now")
        }
    }

    @Test func listShowsFileAndStoredTemplates() async throws {
        try await withClient { client in
            _ = try await client.execute(
                uri: "/admin/endpoints/demo/templates/response/text/csv?variant=VariantA", method: .put,
                body: ByteBuffer(string: "csv"))
            let list = try Self.jsonArray(try await client.execute(uri: "/admin/templates", method: .get))
            #expect(list.count == 2)
            #expect(list[0]["origin"] as? String == "file")
            #expect(list[0]["direction"] as? String == "request")
            #expect(list[1]["variant"] as? String == "VariantA")
            #expect(list[1]["author"] as? String == "admin-api")
        }
    }

    @Test func unknownEndpointVariantOrDirectionAreRejected() async throws {
        try await withClient { client in
            let endpoint = try await client.execute(
                uri: "/admin/endpoints/nope/templates/request/application/json", method: .put,
                body: ByteBuffer(string: "x"))
            #expect(endpoint.status == .badRequest)
            let variant = try await client.execute(
                uri: "\(Self.base)?variant=Shadow", method: .put, body: ByteBuffer(string: "x"))
            #expect(variant.status == .badRequest)
            let direction = try await client.execute(
                uri: "/admin/endpoints/demo/templates/sideways/application/json", method: .put,
                body: ByteBuffer(string: "x"))
            #expect(direction.status == .badRequest)
        }
    }

    @Test func auditLogListsChangesAndRejections() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "one")
            _ = try await Self.put(client, "#if(")
            _ = try await client.execute(uri: Self.base, method: .delete)
            let audit = try Self.jsonArray(
                try await client.execute(uri: "/admin/templates/audit?endpoint=demo", method: .get))
            #expect(audit.map { $0["action"] as? String } == ["delete", "rejected", "create"])
            #expect(audit.map { $0["origin"] as? String } == ["admin-api", "admin-api", "admin-api"])
        }
    }

    @Test func renderTheTemplateInForceAgainstASample() async throws {
        try await withClient { client in
            let response = try await client.execute(
                uri: "\(Self.base)/render", method: .post, body: ByteBuffer(string: #"{"body": "{}"}"#))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "from the file m1")
        }
    }

    @Test func renderAnUnsavedTextWithParametersAndContext() async throws {
        try await withClient { client in
            let sample = #"""
                {"template": "$input.path('$.a')|$input.params('q')|$context.requestId|$context.identity.sourceIp|$stageVariables.model",
                 "body": {"a": 5}, "query": {"q": "x"}, "context": {"requestId": "r-1"}, "stage_variables": {"model": "m2"}}
                """#
            let response = try await client.execute(
                uri: "\(Self.base)/render", method: .post, body: ByteBuffer(string: sample))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "5|x|r-1|test-invoke-source-ip|m2")
        }
    }

    @Test func renderReportsTemplateErrorsWithLineAndColumn() async throws {
        try await withClient { client in
            let response = try await client.execute(
                uri: "/admin/templates/render", method: .post,
                body: ByteBuffer(string: #"{"template": "a\n#set($x = )"}"#))
            #expect(response.status == .badRequest)
            #expect(try Self.json(response)["line"] as? Int == 2)
        }
    }

    @Test func renderAStoredVersion() async throws {
        try await withClient { client in
            _ = try await Self.put(client, "v1 $input.body")
            _ = try await Self.put(client, "v2")
            let response = try await client.execute(
                uri: "\(Self.base)/render", method: .post, body: ByteBuffer(string: #"{"version": 1, "body": "hi"}"#))
            #expect(String(buffer: response.body) == "v1 hi")
        }
    }

    @Test func adminTokenProtectsTemplateRoutes() async throws {
        var configuration = runtime.configuration
        configuration.server.adminToken = "secret"
        let protected = try GatewayRuntime(configuration: configuration, features: nil, logger: TemplateFixtures.logger)
        let app = Application(router: AdminAPI.router(runtime: protected, readiness: Readiness()))
        try await app.test(.router) { client in
            let denied = try await client.execute(uri: "/admin/templates", method: .get)
            #expect(denied.status == .forbidden)
            let allowed = try await client.execute(
                uri: "/admin/templates", method: .get, headers: [.authorization: "Bearer secret"])
            #expect(allowed.status == .ok)
        }
    }
}
