import Foundation
import Logging
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Template registry")
struct TemplateRegistryTests {
    let directory: TemporaryDirectory
    let configuration: GatewayConfiguration
    let registry: TemplateRegistry
    /// The cache a variant runtime would hold, shared by the lookups of one test.
    let cache = TemplateScopeCache()

    init() throws {
        directory = try TemporaryDirectory()
        try directory.write("file.vtl", "from the file")
        configuration = try TemplateFixtures.configuration(
            in: directory,
            endpointExtra: """
                [[endpoint.request_template]]
                content_type = "application/json"
                file = "file.vtl"
                """)
        registry = TemplateRegistry(
            stateDirectory: configuration.server.stateDirectory, logger: TemplateFixtures.logger)
    }

    var endpoint: EndpointConfiguration { configuration.endpoints[0] }

    func requestSource() -> String? {
        registry.scope(endpoint: endpoint, variant: endpoint.variants[0], cache: cache)?.requestTemplate(
            contentType: nil)?.template.source
    }

    func otherProcessStore() throws -> TemplateStore {
        try TemplateStore(stateDirectory: configuration.server.stateDirectory)
    }

    @Test func noDatabaseFileUntilFirstUse() {
        #expect(
            !FileManager.default.fileExists(
                atPath: configuration.server.stateDirectory.appendingPathComponent("mlgateway.sqlite").path))
        #expect(registry.revision == -1)
    }

    @Test func fileTemplateAppliesWhenNothingIsStored() async throws {
        try await registry.refresh()
        #expect(requestSource() == "from the file")
    }

    @Test func storedVersionTakesPrecedenceOverTheFile() async throws {
        _ = try await otherProcessStore().put(TemplateFixtures.key(), source: "stored", actor: TemplateFixtures.alice)
        try await registry.refresh()
        #expect(requestSource() == "stored")
    }

    @Test func deletingTheStoredVersionBringsTheFileBack() async throws {
        let store = try otherProcessStore()
        _ = try await store.put(TemplateFixtures.key(), source: "stored", actor: TemplateFixtures.alice)
        try await registry.refresh()
        _ = try await store.delete(TemplateFixtures.key(), actor: TemplateFixtures.alice)
        try await registry.refresh()
        #expect(requestSource() == "from the file")
    }

    @Test func refreshSwapsOnlyWhenTheRevisionMoved() async throws {
        #expect(try await registry.refresh())
        #expect(try await !registry.refresh())
        _ = try await otherProcessStore().put(TemplateFixtures.key(), source: "v1", actor: TemplateFixtures.alice)
        #expect(try await registry.refresh())
        #expect(requestSource() == "v1")
    }

    @Test func aScopeTakenBeforeASwapKeepsItsTemplates() async throws {
        let store = try otherProcessStore()
        _ = try await store.put(TemplateFixtures.key(), source: "old", actor: TemplateFixtures.alice)
        try await registry.refresh()
        let inFlight = try #require(registry.scope(endpoint: endpoint, variant: endpoint.variants[0], cache: cache))
        _ = try await store.put(TemplateFixtures.key(), source: "new", actor: TemplateFixtures.alice)
        try await registry.refresh()
        #expect(inFlight.requestTemplate(contentType: nil)?.template.source == "old")
        #expect(requestSource() == "new")
    }

    @Test func endpointsWithoutTemplatesGetNoScope() async throws {
        let plain = try TemplateFixtures.configuration(in: try TemporaryDirectory())
        try await registry.refresh()
        #expect(
            registry.scope(
                endpoint: plain.endpoints[0], variant: plain.endpoints[0].variants[0], cache: TemplateScopeCache())
                == nil)
    }

    @Test func passthroughNeverAloneGivesAScope() throws {
        let strict = try TemplateFixtures.configuration(
            in: try TemporaryDirectory(), endpointExtra: "passthrough_behavior = \"NEVER\"")
        #expect(
            registry.scope(
                endpoint: strict.endpoints[0], variant: strict.endpoints[0].variants[0], cache: TemplateScopeCache())?
                .passthrough == .never)
    }

    @Test func refresherPicksUpAnotherProcesssChange() async throws {
        let readiness = Readiness()
        readiness.begin(TemplateRefresher.readinessTask)
        let refresher = TemplateRefresher(registry: registry, readiness: readiness, logger: TemplateFixtures.logger)
        let task = Task { try await refresher.run() }
        defer { task.cancel() }
        // Generous waits: under the full suite's load the refresher's first pass has taken over 10 s.
        #expect(try await TemplateFixtures.eventually(timeout: .seconds(60)) { registry.revision >= 0 })
        #expect(try await TemplateFixtures.eventually(timeout: .seconds(60)) { readiness.notReadyReason == nil })
        _ = try await otherProcessStore().put(TemplateFixtures.key(), source: "hot", actor: TemplateFixtures.bob)
        #expect(try await TemplateFixtures.eventually(timeout: .seconds(60)) { requestSource() == "hot" })
    }
}
