import MappingTemplates

/// What happens to a request whose `Content-Type` has no request template (`passthrough_behavior`), as in API
/// Gateway.
public enum PassthroughBehavior: String, Sendable, Hashable, CaseIterable, Codable {
    /// Send the body unchanged (the default).
    case whenNoMatch = "WHEN_NO_MATCH"
    /// Send the body unchanged only when no request template is configured at all; otherwise answer 415.
    case whenNoTemplates = "WHEN_NO_TEMPLATES"
    /// Always answer 415 Unsupported Media Type.
    case never = "NEVER"
}

/// The mapping templates of an endpoint or of one of its variants, as declared in `gateway.conf`.
///
/// Templates stored through the admin API or the CLI (SQLite) override these per ``TemplateKey``; see
/// ``TemplateRegistry``.
public struct TemplateConfiguration: Sendable, Equatable {
    /// `passthrough_behavior`; `nil` inherits (a variant inherits its endpoint's; an endpoint defaults to
    /// ``PassthroughBehavior/whenNoMatch``).
    public var passthroughBehavior: PassthroughBehavior?
    /// `stage_variables` (`$stageVariables`); a variant's entries are merged over its endpoint's.
    public var stageVariables: [String: String] = [:]
    /// `[[…request_template]]`, by normalized `Content-Type`.
    public var request: [String: FileTemplate] = [:]
    /// `[[…response_template]]`, by normalized media type matched against `Accept`.
    public var response: [String: FileTemplate] = [:]

    /// Creates an empty configuration.
    public init(passthroughBehavior: PassthroughBehavior? = nil) {
        self.passthroughBehavior = passthroughBehavior
    }

    /// Whether nothing template-related is configured here.
    public var isEmpty: Bool {
        passthroughBehavior == nil && stageVariables.isEmpty && request.isEmpty && response.isEmpty
    }

    /// The templates of one direction.
    public func templates(_ direction: TemplateDirection) -> [String: FileTemplate] {
        direction == .request ? request : response
    }
}

/// A mapping template read from a file named in `gateway.conf`, compiled when the configuration is loaded.
public struct FileTemplate: Sendable, Equatable {
    /// The file as written in the configuration (`file`).
    public var path: String
    /// The template text.
    public var source: String
    /// The compiled template.
    public var template: MappingTemplate
    /// `output_content_type` of a request template: the `Content-Type` the model receives (`nil` keeps the
    /// client's).
    public var outputContentType: String?

    /// Compiles `source`.
    ///
    /// - Throws: ``TemplateError`` (kind `syntax`) with the line and column of the problem.
    public init(path: String, source: String, outputContentType: String? = nil) throws(TemplateError) {
        self.path = path
        self.source = source
        self.template = try MappingTemplate(source: source, name: path)
        self.outputContentType = outputContentType
    }

    public static func == (lhs: FileTemplate, rhs: FileTemplate) -> Bool {
        lhs.path == rhs.path && lhs.source == rhs.source && lhs.outputContentType == rhs.outputContentType
    }
}
