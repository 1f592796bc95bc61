import Foundation
import MappingTemplates
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Template selection")
struct TemplateScopeTests {
    static func file(_ text: String, output: String? = nil) throws -> FileTemplate {
        try FileTemplate(path: "\(text).vtl", source: text, outputContentType: output)
    }

    static func endpoint(
        request: [String: FileTemplate] = [:], response: [String: FileTemplate] = [:],
        variantRequest: [String: FileTemplate] = [:], passthrough: PassthroughBehavior? = nil,
        variantPassthrough: PassthroughBehavior? = nil
    ) -> EndpointConfiguration {
        var variant = VariantConfiguration(name: "VariantA", backends: [URL(string: "http://127.0.0.1:9")!])
        variant.templates.request = variantRequest
        variant.templates.passthroughBehavior = variantPassthrough
        var endpoint = EndpointConfiguration(name: "demo", variants: [variant])
        endpoint.templates.request = request
        endpoint.templates.response = response
        endpoint.templates.passthroughBehavior = passthrough
        return endpoint
    }

    static func stored(_ entries: [(TemplateKey, String, String?)]) throws -> StoredTemplates {
        var stored = StoredTemplates(revision: 1)
        for (index, (key, source, output)) in entries.enumerated() {
            let version = TemplateVersion(
                key: key, version: index + 1, action: .create, source: source, outputContentType: output,
                hash: TemplateStore.hash(source), author: "t", createdAt: Date(), restoredFrom: nil)
            stored.insert(StoredTemplate(version: version, template: try MappingTemplate(source: source)))
        }
        return stored
    }

    static func scope(_ endpoint: EndpointConfiguration, stored: StoredTemplates = StoredTemplates()) -> TemplateScope {
        TemplateScope(
            endpoint: endpoint, variant: endpoint.variants[0], stored: stored,
            passthrough: endpoint.variants[0].templates.passthroughBehavior ?? endpoint.templates.passthroughBehavior
                ?? .whenNoMatch,
            metrics: TemplateMetrics(endpoint: endpoint.name))
    }

    @Test func requestTemplateByContentTypeIgnoringCaseAndParameters() throws {
        let scope = Self.scope(Self.endpoint(request: ["text/csv": try Self.file("csv")]))
        #expect(scope.requestTemplate(contentType: "Text/CSV; charset=utf-8")?.template.source == "csv")
        #expect(scope.requestTemplate(contentType: "application/json") == nil)
    }

    @Test func missingOrEmptyContentTypeMeansJSON() throws {
        let scope = Self.scope(Self.endpoint(request: ["application/json": try Self.file("json")]))
        #expect(scope.requestTemplate(contentType: nil)?.template.source == "json")
        #expect(scope.requestTemplate(contentType: "")?.template.source == "json")
        #expect(scope.requestTemplate(contentType: " ")?.template.source == "json")
    }

    @Test func variantTemplateWinsOverEndpointTemplate() throws {
        let scope = Self.scope(
            Self.endpoint(
                request: ["application/json": try Self.file("endpoint")],
                variantRequest: ["application/json": try Self.file("variant")]))
        let resolved = scope.requestTemplate(contentType: "application/json")
        #expect(resolved?.template.source == "variant")
        #expect(resolved?.key.variant == "VariantA")
    }

    @Test func storedTemplateWinsOverFileTemplateOfTheSameKey() throws {
        let stored = try Self.stored([(TemplateFixtures.key(), "stored", nil)])
        let scope = Self.scope(
            Self.endpoint(request: ["application/json": try Self.file("file", output: "text/csv")]), stored: stored)
        let resolved = scope.requestTemplate(contentType: "application/json")
        #expect(resolved?.template.source == "stored")
        #expect(resolved?.origin == "stored version 1")
        #expect(resolved?.outputContentType == "text/csv")
    }

    @Test func storedOutputContentTypeWinsOverTheFiles() throws {
        let stored = try Self.stored([(TemplateFixtures.key(), "stored", "text/plain")])
        let scope = Self.scope(
            Self.endpoint(request: ["application/json": try Self.file("file", output: "text/csv")]), stored: stored)
        #expect(scope.requestTemplate(contentType: nil)?.outputContentType == "text/plain")
    }

    @Test func aStoredOutputContentTypeIsLegalizedAsAHeaderValue() throws {
        let stored = try Self.stored([(TemplateFixtures.key(), "stored", "text/csv\r\nX-Injected: 1")])
        let scope = Self.scope(Self.endpoint(), stored: stored)
        #expect(scope.requestTemplate(contentType: nil)?.outputContentType == "text/csv  X-Injected: 1")
    }

    @Test func fileVariantTemplateWinsOverStoredEndpointTemplate() throws {
        let stored = try Self.stored([(TemplateFixtures.key(), "stored endpoint", nil)])
        let scope = Self.scope(
            Self.endpoint(variantRequest: ["application/json": try Self.file("file variant")]), stored: stored)
        #expect(scope.requestTemplate(contentType: nil)?.template.source == "file variant")
    }

    @Test func storedTemplatesOfOtherVariantsDoNotApply() throws {
        let stored = try Self.stored([(TemplateFixtures.key(variant: "VariantB"), "b", nil)])
        let scope = Self.scope(Self.endpoint(), stored: stored)
        #expect(scope.requestTemplate(contentType: nil) == nil)
        #expect(!scope.hasRequestTemplates)
    }

    @Test func responseTemplateByAccept() throws {
        let scope = Self.scope(
            Self.endpoint(response: ["application/json": try Self.file("json"), "text/csv": try Self.file("csv")]))
        #expect(scope.responseTemplate(accept: "text/csv")?.template.source == "csv")
        #expect(scope.responseTemplate(accept: "application/xml") == nil)
    }

    @Test func absentAcceptMeansJSON() throws {
        let scope = Self.scope(
            Self.endpoint(response: ["application/json": try Self.file("json"), "text/csv": try Self.file("csv")]))
        #expect(scope.responseTemplate(accept: nil)?.template.source == "json")
        #expect(scope.responseTemplate(accept: "")?.template.source == "json")
    }

    @Test func acceptQualityOrdersTheChoice() throws {
        let scope = Self.scope(
            Self.endpoint(response: ["application/json": try Self.file("json"), "text/csv": try Self.file("csv")]))
        #expect(scope.responseTemplate(accept: "application/json;q=0.5, text/csv")?.template.source == "csv")
        #expect(scope.responseTemplate(accept: "text/html, application/json")?.template.source == "json")
        #expect(scope.responseTemplate(accept: "text/csv;q=0, application/xml") == nil)
    }

    @Test func wildcardAcceptPrefersJSONThenTheFirstByName() throws {
        let both = Self.scope(
            Self.endpoint(response: ["text/csv": try Self.file("csv"), "application/json": try Self.file("json")]))
        #expect(both.responseTemplate(accept: "*/*")?.template.source == "json")
        let csvOnly = Self.scope(
            Self.endpoint(response: ["text/plain": try Self.file("plain"), "text/csv": try Self.file("csv")]))
        #expect(csvOnly.responseTemplate(accept: "*/*")?.template.source == "csv")
        #expect(csvOnly.responseTemplate(accept: "text/*")?.template.source == "csv")
        #expect(csvOnly.responseTemplate(accept: "application/*") == nil)
    }

    @Test func variantPassthroughOverridesEndpoint() {
        #expect(Self.scope(Self.endpoint(passthrough: .never)).passthrough == .never)
        #expect(
            Self.scope(Self.endpoint(passthrough: .never, variantPassthrough: .whenNoMatch)).passthrough == .whenNoMatch
        )
        #expect(Self.scope(Self.endpoint()).passthrough == .whenNoMatch)
    }

    @Test func stageVariablesOfTheVariantOverrideTheEndpoints() {
        var endpoint = Self.endpoint()
        endpoint.templates.stageVariables = ["a": "endpoint", "b": "endpoint"]
        endpoint.variants[0].templates.stageVariables = ["b": "variant"]
        #expect(Self.scope(endpoint).stageVariables == ["a": "endpoint", "b": "variant"])
    }
}
