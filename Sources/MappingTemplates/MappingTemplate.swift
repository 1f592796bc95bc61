import Foundation

/// A compiled mapping template: parse once, render many times (immutable and safe to share).
///
/// ```swift
/// let template = try MappingTemplate(source: "{\"name\": \"$input.path('$.name')\"}")
/// let text = try template.render(TemplateInput(body: #"{"name": "Ada"}"#))
/// ```
public struct MappingTemplate: Sendable {
    /// The name used in error reports (e.g. a file name).
    public let name: String
    /// The template text.
    public let source: String
    /// The parts of its input the template can read; a caller may leave the others empty.
    public let reads: TemplateInputParts
    let nodes: [Node]
    let slotNames: [String]
    let builtins: [Builtin?]
    let locator: SourceLocator
    let pathCache = CompiledCache<JSONPath>()
    let regexCache = CompiledCache<NSRegularExpression>()

    /// Compiles `source`.
    /// - Throws: ``TemplateError`` of kind ``TemplateError/Kind/syntax`` with the line and column of the problem.
    public init(source: String, name: String = "template") throws(TemplateError) {
        let bytes = Array(source.utf8)
        let slots = SlotTable()
        for builtin in Builtin.allCases { _ = slots.slot(builtin.rawValue) }
        let locator = SourceLocator(bytes: bytes)
        var parser = Parser(bytes, slots: slots, locator: locator)
        self.nodes = try parser.parseTemplate()
        self.name = name
        self.source = source
        self.reads = slots.reads
        self.slotNames = slots.names
        self.builtins = slots.names.map { Builtin(rawValue: $0) }
        self.locator = locator
    }

    /// Renders the template over `input`.
    /// - Throws: ``TemplateError`` of kind ``TemplateError/Kind/runtime`` (bad JSONPath, unknown method, `#include`),
    ///   ``TemplateError/Kind/payload`` (a body starting with `{` or `[` that is not JSON, read through
    ///   `$input.path` / `$input.json`) or ``TemplateError/Kind/limit``.
    public func render(_ input: TemplateInput, limits: TemplateLimits = .default) throws(TemplateError) -> String {
        var renderer = Renderer(template: self, input: input, limits: limits)
        return try renderer.run()
    }

    /// Checks `source` for syntax errors without keeping the compiled template.
    /// - Returns: the first error, or nil when the template compiles.
    public static func validate(source: String, name: String = "template") -> TemplateError? {
        do {
            _ = try MappingTemplate(source: source, name: name)
            return nil
        } catch {
            return error
        }
    }
}

/// Variables every render provides.
enum Builtin: String, CaseIterable, Sendable {
    case input
    case util
    case context
    case stageVariables
    case features
    case foreach
    case velocityCount
    case velocityHasNext
}
