/// Where a request carries an entity key (`key` of `[[endpoint.enrich]]`).
public enum EntityKeySource: Sendable, Hashable, CustomStringConvertible {
    /// A JSONPath into a JSON body, e.g. `$.user_id` or `$.a.b[0]`.
    case jsonPath(JSONPath)
    /// A request header, e.g. `header:X-User-Id` (case-insensitive).
    case header(String)
    /// A query parameter, e.g. `query:user_id`.
    case query(String)
    /// A 0-based column of each CSV row, e.g. `csv:0`.
    case csvColumn(Int)

    /// Parses `$…`, `header:NAME`, `query:NAME` or `csv:INDEX`.
    public init(parsing text: String) throws(FeatureStoreError) {
        if text.hasPrefix("$") {
            self = .jsonPath(try JSONPath(parsing: text))
        } else if text.hasPrefix("header:"), text.count > "header:".count {
            self = .header(String(text.dropFirst("header:".count)))
        } else if text.hasPrefix("query:"), text.count > "query:".count {
            self = .query(String(text.dropFirst("query:".count)))
        } else if text.hasPrefix("csv:"), let column = Int(text.dropFirst("csv:".count)), column >= 0 {
            self = .csvColumn(column)
        } else {
            throw .invalidConfiguration(
                "entity key '\(text)' must be a JSONPath ($.field), header:NAME, query:NAME or csv:COLUMN")
        }
    }

    /// The source as written in the configuration; error messages name the key this way.
    public var description: String {
        switch self {
        case .jsonPath(let path): path.description
        case .header(let name): "header:\(name)"
        case .query(let name): "query:\(name)"
        case .csvColumn(let column): "csv:\(column)"
        }
    }
}
