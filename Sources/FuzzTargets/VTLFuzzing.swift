import MappingTemplates

/// The mapping-template target: `template NUL body`.
enum VTLFuzzing {
    /// The headers, parameters and stage variables every render sees, so templates reading them take real paths.
    static let input = TemplateInput(
        pathParameters: ["name": "demo"], queryParameters: ["q": "a,b", "n": "3"],
        headers: ["Content-Type": "application/json", "X-Id": "7"], stageVariables: ["stage": "prod"])

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let parts = FuzzInput.parts(bytes, count: 2)
        guard let template = try? MappingTemplate(source: parts[0], name: "fuzz") else { return }
        var input = input
        input.body = parts[1]
        _ = try? template.render(input)
    }
}
