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
    /// What a render runs.
    let program: Program

    /// Compiles `source`.
    /// - Throws: ``TemplateError`` of kind ``TemplateError/Kind/syntax`` with the line and column of the problem, or
    ///   ``TemplateError/Kind/limit`` for a template larger than the render output limit (its text alone could not
    ///   be rendered), so that it is refused when loaded rather than failing every render.
    public init(source: String, name: String = "template", limits: TemplateLimits = .default) throws(TemplateError) {
        let bytes = Array(source.utf8)
        guard bytes.count <= limits.maxOutputBytes else {
            throw TemplateError(
                kind: .limit, line: 1, column: 1,
                message:
                    "the template is \(bytes.count) bytes, over the render output limit of \(limits.maxOutputBytes) bytes"
            )
        }
        let slots = SlotTable()
        for builtin in Builtin.allCases { _ = slots.slot(builtin.rawValue) }
        let locator = SourceLocator(bytes: bytes)
        var parser = Parser(bytes, slots: slots, locator: locator)
        self.program = Program(
            nodes: try parser.parseTemplate(), loopVariables: slots.loopVariables, slotCount: slots.names.count,
            builtins: slots.names.map { Builtin(rawValue: $0) }, locator: locator)
        self.name = name
        self.source = source
        self.reads = slots.reads
    }

    /// Renders the template over `input`.
    /// - Throws: ``TemplateError`` of kind ``TemplateError/Kind/runtime`` (bad JSONPath, unknown method, `#include`),
    ///   ``TemplateError/Kind/payload`` (a body starting with `{` or `[` that is not JSON, read through
    ///   `$input.path` / `$input.json`) or ``TemplateError/Kind/limit``.
    public func render(_ input: TemplateInput, limits: TemplateLimits = .default) throws(TemplateError) -> String {
        var renderer = Renderer(template: program, input: input, limits: limits)
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

/// The compiled form of a template and the caches of its renders, in one object so that a render takes it with a
/// single retain.
final class Program: Sendable {
    let nodes: [Node]
    /// The loop variables (and enclosing loops) the template can read; loops leave the others unset.
    let loopVariables: LoopVariables
    /// The number of variable slots.
    let slotCount: Int
    /// The builtin variable of each slot, if any.
    let builtins: [Builtin?]
    let locator: SourceLocator
    let pathCache = CompiledCache<JSONPath>()
    let regexCache = CompiledCache<NSRegularExpression>()

    init(nodes: [Node], loopVariables: LoopVariables, slotCount: Int, builtins: [Builtin?], locator: SourceLocator) {
        self.nodes = nodes
        self.loopVariables = loopVariables
        self.slotCount = slotCount
        self.builtins = builtins
        self.locator = locator
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
