import MappingTemplates

/// A failure of a template store operation, with a message naming the problem.
public enum TemplateStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template text does not compile.
    case invalid(TemplateError)
    /// Another edit came first: the caller expected `expected` but the latest version is `actual` (0 = none).
    case conflict(key: TemplateKey, expected: Int, actual: Int)
    /// No such template, or no such version.
    case notFound(key: TemplateKey, version: Int?)
    /// The key names an endpoint or variant the configuration does not have, or is malformed.
    case badKey(String)
    /// The operation is not possible (e.g. rolling back to a deletion).
    case rejected(String)
    /// The database failed.
    case database(String)
    /// The shared state store cannot be reached (503 on the admin API; the gateway keeps its last templates).
    case unavailable(String)

    public var description: String {
        switch self {
        case .invalid(let error):
            return error.description
        case .conflict(let key, let expected, let actual):
            return
                "Template \(key) was changed concurrently: expected version \(expected), but the latest version is \(actual)."
        case .notFound(let key, let version?):
            return "Template \(key) has no version \(version)."
        case .notFound(let key, nil):
            return "No stored template \(key)."
        case .badKey(let message), .rejected(let message):
            return message
        case .database(let message):
            return "Template database error: \(message)"
        case .unavailable(let message):
            return "The template store is unreachable: \(message)"
        }
    }
}
