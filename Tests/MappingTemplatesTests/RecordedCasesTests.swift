import Foundation
import MappingTemplates
import TestSupport
import Testing

/// One case recorded on real API Gateway (`../shared/conformance/vtl-recorded-cases.json`).
struct RecordedCase: Decodable, CustomTestStringConvertible, Sendable {
    var id: String
    var template: String
    var body: String?
    var contentType: String?
    var pathParams: [String: String]?
    var query: [String: String]?
    var headers: [String: String]?
    var stageVariables: [String: String]?
    var context: JSONValue?
    var expected: String?
    var compare: String

    var testDescription: String { id }

    var input: TemplateInput {
        TemplateInput(
            body: body ?? "", pathParameters: pathParams ?? [:], queryParameters: query ?? [:], headers: headers ?? [:],
            stageVariables: stageVariables ?? [:], context: context?.templateValue ?? [:])
    }
}

/// Decodes arbitrary JSON (the recorded `context`).
enum JSONValue: Decodable, Sendable {
    case value(TemplateValue)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .value(.null)
        } else if let b = try? container.decode(Bool.self) {
            self = .value(.bool(b))
        } else if let i = try? container.decode(Int.self) {
            self = .value(.int(i))
        } else if let d = try? container.decode(Double.self) {
            self = .value(.double(d))
        } else if let s = try? container.decode(String.self) {
            self = .value(.string(s))
        } else if let a = try? container.decode([JSONValue].self) {
            self = .value(.list(a.map(\.templateValue)))
        } else {
            let object = try container.decode([String: JSONValue].self)
            self = .value(.map(TemplateMap(object.keys.sorted().map { ($0, object[$0]!.templateValue) })))
        }
    }

    var templateValue: TemplateValue {
        switch self {
        case .value(let v): return v
        }
    }
}

enum RecordedCases {
    static let name = "vtl-recorded-cases.json"
    static let url = ConformanceData.url(name)

    static func load() throws -> [RecordedCase] {
        let data = try Data(contentsOf: url)
        return try JSONDecoder().decode([RecordedCase].self, from: data)
    }

    static var all: [RecordedCase] { (try? load()) ?? [] }
}

/// Whitespace-insensitive structural JSON equality (the `json` compare mode).
func jsonEqual(_ a: String, _ b: String) -> Bool {
    guard let x = try? JSONSerialization.jsonObject(with: Data(a.utf8), options: [.fragmentsAllowed]),
        let y = try? JSONSerialization.jsonObject(with: Data(b.utf8), options: [.fragmentsAllowed])
    else { return false }
    return NSDictionary(dictionary: ["v": x]).isEqual(to: ["v": y])
}

func collapseWhitespace(_ s: String) -> String {
    s.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
}

@Suite(
    "Recorded API Gateway cases",
    .enabled(
        if: ConformanceData.isRequired(RecordedCases.name),
        Comment(rawValue: ConformanceData.skipReason(RecordedCases.name))))
struct RecordedCasesTests {
    @Test("the recorded cases file exists and is not empty")
    func fileIsPresent() throws {
        let cases = try #require(
            try? RecordedCases.load(),
            "cannot read \(RecordedCases.url.path): the conformance data must sit next to the repository")
        #expect(cases.count > 0)
    }

    @Test("renders as recorded", arguments: RecordedCases.all)
    func recorded(_ recorded: RecordedCase) throws {
        let result: Result<String, TemplateError>
        do {
            let template = try MappingTemplate(source: recorded.template, name: recorded.id)
            result = .success(try template.render(recorded.input))
        } catch {
            result = .failure(error)
        }
        switch (recorded.compare, result) {
        case ("error", .failure):
            break
        case ("error", .success(let output)):
            Issue.record("expected an error, rendered \(output.debugDescription)")
        case (_, .failure(let error)):
            Issue.record("unexpected error \(error)")
        case ("exact", .success(let output)):
            #expect(output == recorded.expected)
        case ("json", .success(let output)):
            #expect(jsonEqual(output, recorded.expected ?? ""), "rendered \(output.debugDescription)")
        case ("whitespace", .success(let output)):
            #expect(collapseWhitespace(output) == collapseWhitespace(recorded.expected ?? ""))
        default:
            Issue.record("unknown compare mode \(recorded.compare)")
        }
    }
}
