/// A template failure with its position in the template source.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for mapping to an HTTP status.
    public enum Kind: String, Sendable, Hashable {
        /// The template does not parse (reported when it is compiled).
        case syntax
        /// Evaluation failed: bad JSONPath, unknown method, `#include` / `#parse`, bad argument.
        case runtime
        /// The payload starts like JSON (`{` or `[`) but is not valid JSON; API Gateway answers 400.
        case payload
        /// A ``TemplateLimits`` bound was exceeded.
        case limit
    }

    /// The kind of failure.
    public var kind: Kind
    /// 1-based line in the template (0 when not tied to a position).
    public var line: Int
    /// 1-based column (in characters) in the template (0 when not tied to a position).
    public var column: Int
    /// A short message naming the problem.
    public var message: String
    /// The template line at the position, shortened around the column.
    public var excerpt: String

    /// Creates an error.
    public init(kind: Kind, line: Int, column: Int, message: String, excerpt: String = "") {
        self.kind = kind
        self.line = line
        self.column = column
        self.message = message
        self.excerpt = excerpt
    }

    /// `line:column: message`.
    public var description: String { "\(line):\(column): \(message)" }
}

/// Maps byte offsets of a template source to line, column and excerpt.
struct SourceLocator: Sendable {
    let bytes: [UInt8]

    func error(_ kind: TemplateError.Kind, at offset: Int, _ message: String) -> TemplateError {
        let offset = min(max(offset, 0), bytes.count)
        var line = 1
        var lineStart = 0
        var index = 0
        while index < offset {
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        var lineEnd = offset
        while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n"), bytes[lineEnd] != UInt8(ascii: "\r") {
            lineEnd += 1
        }
        let before = String(decoding: bytes[lineStart..<offset], as: UTF8.self)
        let column = before.count + 1
        var excerpt = String(decoding: bytes[lineStart..<lineEnd], as: UTF8.self)
        if excerpt.count > 80 {
            let start = max(0, column - 40)
            excerpt = String(excerpt.dropFirst(start).prefix(80))
        }
        return TemplateError(kind: kind, line: line, column: column, message: message, excerpt: excerpt)
    }
}
