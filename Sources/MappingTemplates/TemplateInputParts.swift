/// Parts of a ``TemplateInput`` that cost something to build, so that a caller can leave out those a template
/// never reads (see ``MappingTemplate/reads``).
public struct TemplateInputParts: OptionSet, Sendable, Hashable {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// Path, query string and header parameters: read by `$input.params(…)` and by any use of `$input` other than
    /// `$input.body`, `$input.path(…)`, `$input.json(…)` and `$input.getBody()`.
    public static let parameters = TemplateInputParts(rawValue: 1 << 0)
    /// `$context`.
    public static let context = TemplateInputParts(rawValue: 1 << 1)
}
