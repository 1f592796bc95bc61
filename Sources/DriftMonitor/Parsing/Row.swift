import Foundation
import WireFormats

/// One record of tabular data: values by position (CSV, JSON arrays) or by name (JSON objects).
enum Row: Equatable {
    case positional([String?])
    case named([(String, String?)])

    static func == (lhs: Row, rhs: Row) -> Bool {
        switch (lhs, rhs) {
        case (.positional(let a), .positional(let b)): a == b
        case (.named(let a), .named(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }

    /// Rows of a CSV payload without header (one per line).
    static func rows(csv text: String) -> [Row] {
        CSVParser.rows(of: text).map { .positional($0.map { $0 }) }
    }

    /// Rows of parsed JSON values: an object is a row by name, except that `instances` or `inputs` arrays expand to
    /// one row per element; an array of arrays or objects is one row per element; an array of scalars is one row by
    /// position; `{"features": [...]}` elements are rows by position.
    static func rows(json values: [JSONValue]) -> [Row] {
        var rows: [Row] = []
        for value in values { append(value, to: &rows, topLevel: true) }
        return rows
    }

    private static func append(_ value: JSONValue, to rows: inout [Row], topLevel: Bool) {
        switch value {
        case .object(let members):
            if topLevel, let batch = value["instances"] ?? value["inputs"], case .array(let elements) = batch {
                for element in elements { append(element, to: &rows, topLevel: false) }
            } else if members.count == 1, members[0].0 == "features", case .array(let elements) = members[0].1 {
                rows.append(.positional(elements.map(field)))
            } else {
                var named: [(String, String?)] = []
                flatten(members, prefix: "", into: &named)
                rows.append(.named(named))
            }
        case .array(let elements):
            if topLevel, elements.contains(where: isContainer) {
                for element in elements { append(element, to: &rows, topLevel: false) }
            } else {
                rows.append(.positional(elements.map(field)))
            }
        default:
            rows.append(.positional([field(value)]))
        }
    }

    private static func isContainer(_ value: JSONValue) -> Bool {
        switch value {
        case .array, .object: true
        default: false
        }
    }

    /// Nested objects become dotted names (`address.city`).
    private static func flatten(_ members: [(String, JSONValue)], prefix: String, into named: inout [(String, String?)])
    {
        for (key, value) in members {
            if case .object(let inner) = value {
                flatten(inner, prefix: prefix + key + ".", into: &named)
            } else {
                named.append((prefix + key, field(value)))
            }
        }
    }

    /// A JSON value as field text: null is missing, strings as they are, arrays as JSON text.
    private static func field(_ value: JSONValue) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .array, .object: value.jsonText
        }
    }
}
