import Foundation
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Template configuration")
struct TemplateConfigurationTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        try directory.write("templates/to-csv.vtl", "#foreach($r in $input.path('$.rows'))$r\n#end")
        try directory.write("templates/to-json.vtl", "{\"body\": \"$input.body\"}")
        try directory.write("templates/broken.vtl", "ok\n  #set($x = )\n")
    }

    func load(endpoint: String = "", variant: String = "", tail: String = "") throws(ConfigurationError)
        -> GatewayConfiguration
    {
        do {
            return try TemplateFixtures.configuration(
                in: directory, endpointExtra: endpoint, variantAExtra: variant, tail: tail)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(file: "", line: nil, key: "", message: "\(error)")
        }
    }

    @Test func endpointWithoutTemplateKeysHasAnEmptyConfiguration() throws {
        let configuration = try load()
        #expect(configuration.endpoints[0].templates.isEmpty)
        #expect(configuration.endpoints[0].variants[0].templates.isEmpty)
    }

    @Test func readsTemplatesPassthroughAndStageVariables() throws {
        let configuration = try load(
            endpoint: """
                passthrough_behavior = "NEVER"
                stage_variables = { model = "v2", threshold = 0.5 }

                [[endpoint.request_template]]
                content_type = "Application/JSON"
                file = "templates/to-csv.vtl"
                output_content_type = "text/csv"

                [[endpoint.response_template]]
                content_type = "application/json"
                file = "templates/to-json.vtl"
                """)
        let templates = configuration.endpoints[0].templates
        #expect(templates.passthroughBehavior == .never)
        #expect(templates.stageVariables == ["model": "v2", "threshold": "0.5"])
        #expect(templates.request["application/json"]?.outputContentType == "text/csv")
        #expect(templates.request["application/json"]?.path == "templates/to-csv.vtl")
        #expect(templates.response["application/json"]?.source == "{\"body\": \"$input.body\"}")
    }

    @Test func variantsHaveTheirOwnTemplates() throws {
        let configuration = try load(
            variant: """
                passthrough_behavior = "WHEN_NO_TEMPLATES"

                [[endpoint.variant.request_template]]
                content_type = "text/plain"
                file = "templates/to-json.vtl"
                """)
        let variant = configuration.endpoints[0].variants[0].templates
        #expect(variant.passthroughBehavior == .whenNoTemplates)
        #expect(variant.request.keys.sorted() == ["text/plain"])
        #expect(configuration.endpoints[0].templates.isEmpty)
    }

    @Test func passthroughBehaviorMustBeKnown() {
        #expect {
            try load(endpoint: "passthrough_behavior = \"SOMETIMES\"")
        } throws: { error in
            let error = error as? ConfigurationError
            return error?.key == "endpoint[0].passthrough_behavior" && error?.message.contains("WHEN_NO_MATCH") == true
        }
    }

    @Test func aSyntaxErrorInATemplateFileNamesFileLineAndColumn() {
        #expect {
            try load(
                endpoint: """
                    [[endpoint.request_template]]
                    content_type = "application/json"
                    file = "templates/broken.vtl"
                    """)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.key == "endpoint[0].request_template[0].file"
                && error.message.hasPrefix("templates/broken.vtl:2:")
                && error.line != nil
        }
    }

    @Test func aMissingFileIsAnError() {
        #expect {
            try load(
                endpoint: """
                    [[endpoint.request_template]]
                    content_type = "application/json"
                    file = "templates/missing.vtl"
                    """)
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("cannot read templates/missing.vtl") == true
        }
    }

    @Test func contentTypeMustBeAConcreteMediaType() {
        #expect {
            try load(
                endpoint: """
                    [[endpoint.request_template]]
                    content_type = "*/*"
                    file = "templates/to-csv.vtl"
                    """)
        } throws: { error in
            (error as? ConfigurationError)?.key == "endpoint[0].request_template[0].content_type"
        }
    }

    @Test func aMediaTypeDeclaredTwiceIsAnError() {
        #expect {
            try load(
                endpoint: """
                    [[endpoint.request_template]]
                    content_type = "application/json"
                    file = "templates/to-csv.vtl"

                    [[endpoint.request_template]]
                    content_type = "application/json; charset=utf-8"
                    file = "templates/to-json.vtl"
                    """)
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("declared twice") == true
        }
    }

    @Test func responseTemplatesTakeNoOutputContentType() {
        #expect {
            try load(
                endpoint: """
                    [[endpoint.response_template]]
                    content_type = "application/json"
                    file = "templates/to-json.vtl"
                    output_content_type = "text/csv"
                    """)
        } throws: { error in
            (error as? ConfigurationError)?.key == "endpoint[0].response_template[0].output_content_type"
        }
    }

    @Test func outputContentTypeMustBeAHeaderSafeMediaType() {
        #expect {
            try load(
                endpoint: """
                    [[endpoint.request_template]]
                    content_type = "application/json"
                    file = "templates/to-csv.vtl"
                    output_content_type = "text/csv\\r\\nX-Injected: 1"
                    """)
        } throws: { error in
            (error as? ConfigurationError)?.key == "endpoint[0].request_template[0].output_content_type"
        }
    }

    @Test func shadowVariantsCannotHaveTemplates() {
        #expect {
            try load(
                tail: """
                    [[endpoint.variant.request_template]]
                    content_type = "application/json"
                    file = "templates/to-csv.vtl"
                    """)
        } throws: { error in
            (error as? ConfigurationError)?.message.contains("shadow variant") == true
        }
    }

    @Test func unknownTemplateKeysAreRejected() {
        #expect {
            try load(
                endpoint: """
                    [[endpoint.request_template]]
                    content_type = "application/json"
                    file = "templates/to-csv.vtl"
                    flie = "x"
                    """)
        } throws: { error in
            (error as? ConfigurationError)?.key == "endpoint[0].request_template[0].flie"
        }
    }
}
