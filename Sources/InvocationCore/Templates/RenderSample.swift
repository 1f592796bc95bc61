import MappingTemplates
import WireFormats

/// A sample request for a test render, read from JSON: `body`, `content_type`, `headers`, `query`, `path`,
/// `stage_variables`, `context` (the `$context` object), `features` (view → feature → value), and optionally
/// `template` (a text to render instead of a stored one) or `version` (a stored version to render).
package struct RenderSample: Sendable {
    package var body = ""
    package var contentType: String?
    package var headers: [String: String] = [:]
    package var query: [String: String] = [:]
    package var path: [String: String]?
    package var stageVariables: [String: String] = [:]
    package var context: TemplateMap = [:]
    package var features: [String: [String: String]] = [:]
    package var template: String?
    package var version: Int?

    package init(json bytes: some Collection<UInt8>) throws(TemplateError) {
        let value = bytes.isEmpty ? TemplateValue.map([:]) : try TemplateValue(json: bytes)
        guard case .map(let object) = value else {
            throw TemplateError(kind: .payload, line: 0, column: 0, message: "expected a JSON object")
        }
        for (name, field) in object.entries {
            switch (name, field) {
            case ("body", .string(let text)): body = text
            case ("body", .map), ("body", .list): body = Self.json(field)
            case ("content_type", .string(let text)): contentType = text
            case ("headers", _): headers = try Self.strings(field, name)
            case ("query", _): query = try Self.strings(field, name)
            case ("path", _): path = try Self.strings(field, name)
            case ("stage_variables", _): stageVariables = try Self.strings(field, name)
            case ("context", .map(let map)): context = map
            case ("features", .map(let views)):
                for (view, features) in views.entries {
                    self.features[view] = try Self.strings(features, "features.\(view)")
                }
            case ("template", .string(let text)): template = text
            case ("version", .int(let number)): version = number
            case ("body", .null), ("content_type", .null), ("template", .null), ("version", .null): continue
            default:
                throw TemplateError(
                    kind: .payload, line: 0, column: 0, message: "unexpected or mistyped field \"\(name)\"")
            }
        }
    }

    /// The render input; `$context` gets the sample's values over test defaults (`requestId`
    /// `test-invoke-request`, `stage` `mlgateway`, the endpoint and variant).
    package func input(endpoint: String, variant: String) -> TemplateInput {
        var context: TemplateMap = [
            "accountId": "000000000000", "apiId": "mlgateway", "endpoint": .string(endpoint),
            "extendedRequestId": "test-invoke-request", "httpMethod": "POST",
            "identity": .map(["sourceIp": "test-invoke-source-ip", "userAgent": ""]),
            "path": .string("/endpoints/\(endpoint)/invocations"), "protocol": "HTTP/1.1",
            "requestId": "test-invoke-request", "resourcePath": "/endpoints/{name}/invocations", "stage": "mlgateway",
            "variant": .string(variant),
        ]
        for (name, value) in self.context.entries { context[name] = value }
        var input = TemplateInput(
            body: body, pathParameters: path ?? ["name": endpoint], queryParameters: query, headers: headers,
            stageVariables: stageVariables, context: .map(context), features: features)
        input.defaultContentType(contentType)
        return input
    }

    private static func strings(_ value: TemplateValue, _ name: String) throws(TemplateError) -> [String: String] {
        guard case .map(let map) = value else {
            throw TemplateError(kind: .payload, line: 0, column: 0, message: "\"\(name)\" must be an object of strings")
        }
        var strings: [String: String] = [:]
        for (key, element) in map.entries {
            switch element {
            case .string(let text): strings[key] = text
            case .int(let number): strings[key] = String(number)
            case .double(let number): strings[key] = String(number)
            case .bool(let flag): strings[key] = String(flag)
            default:
                throw TemplateError(kind: .payload, line: 0, column: 0, message: "\"\(name).\(key)\" must be a string")
            }
        }
        return strings
    }

    /// Compact JSON text of a value (a sample body given as an object).
    package static func json(_ value: TemplateValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return String(flag)
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .string(let text): return JSONText.quoted(text)
        case .list(let items): return "[" + items.map(json).joined(separator: ",") + "]"
        case .map(let map):
            return "{" + map.entries.map { "\(JSONText.quoted($0.key)):\(json($0.value))" }.joined(separator: ",") + "}"
        }
    }
}
