import Foundation
import TOMLKit

/// A TOML table being read, with the path and source map needed to locate errors.
///
/// Reading is strict: `finish()` rejects keys that no reader asked for, so a misspelt key is an error rather than
/// a silently ignored setting.
package struct ConfigTable {
    package let table: TOMLTable
    package let path: String
    package let context: ConfigContext
    private var consumed: Set<String> = []

    package init(table: TOMLTable, path: String, context: ConfigContext) {
        self.table = table
        self.path = path
        self.context = context
    }

    /// The full key path of `key` in this table.
    package func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error located at `key` (or at this table when `key` is nil).
    package func error(_ key: String?, _ message: String) -> ConfigurationError {
        let full = key.map(keyPath) ?? path
        return ConfigurationError(
            file: context.file, line: context.sourceMap.line(of: full), key: full, message: message)
    }

    /// Whether `key` is present.
    package func contains(_ key: String) -> Bool { table.contains(key: key) }

    package mutating func value(_ key: String) -> TOMLValueConvertible? {
        consumed.insert(key)
        return table[key]
    }

    package mutating func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.string else { throw error(key, "must be a string") }
        return string
    }

    package mutating func requiredString(_ key: String) throws(ConfigurationError) -> String {
        guard let string = try string(key) else { throw error(key, "is required") }
        guard !string.isEmpty else { throw error(key, "must not be empty") }
        return string
    }

    package mutating func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.bool else { throw error(key, "must be true or false") }
        return bool
    }

    package mutating func int(_ key: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.int else { throw error(key, "must be an integer") }
        guard range.contains(int) else {
            throw error(key, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return int
    }

    package mutating func double(_ key: String, range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let double = value.double ?? value.int.map(Double.init) else { throw error(key, "must be a number") }
        guard range.contains(double) else {
            throw error(key, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return double
    }

    /// A duration written as `"250ms"`, `"30s"`, `"5m"`, `"2h"` or `"7d"`.
    package mutating func duration(_ key: String) throws(ConfigurationError) -> Duration? {
        guard let text = try string(key) else { return nil }
        guard let duration = Duration(configText: text) else {
            throw error(key, "must be a duration like \"500ms\", \"30s\", \"5m\", \"2h\" or \"1d\", not \"\(text)\"")
        }
        return duration
    }

    /// A duration that must be more than zero: a time limit of zero would fail every call it bounds.
    package mutating func positiveDuration(_ key: String) throws(ConfigurationError) -> Duration? {
        guard let duration = try duration(key) else { return nil }
        guard duration > .zero else { throw error(key, "must be more than zero") }
        return duration
    }

    package mutating func stringArray(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else { throw error(key, "must be an array of strings") }
        var strings: [String] = []
        for element in array {
            guard let string = element.string else { throw error(key, "must be an array of strings") }
            strings.append(string)
        }
        return strings
    }

    /// A sub-table, or nil when absent.
    package mutating func table(_ key: String) throws(ConfigurationError) -> ConfigTable? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else { throw error(key, "must be a table") }
        return ConfigTable(table: table, path: keyPath(key), context: context)
    }

    /// The elements of an array of tables (`[[key]]`), or empty when absent.
    package mutating func tableArray(_ key: String) throws(ConfigurationError) -> [ConfigTable] {
        guard let value = value(key) else { return [] }
        guard let array = value.array else { throw error(key, "must be an array of tables ([[\(keyPath(key))]])") }
        var tables: [ConfigTable] = []
        for (index, element) in array.enumerated() {
            guard let table = element.table else {
                throw error(key, "must be an array of tables ([[\(keyPath(key))]])")
            }
            tables.append(ConfigTable(table: table, path: "\(keyPath(key))[\(index)]", context: context))
        }
        return tables
    }

    /// A table of string values (e.g. an inline `{ a = "1" }`); numbers and booleans are turned into text.
    package mutating func stringMap(_ key: String) throws(ConfigurationError) -> [String: String]? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else { throw error(key, "must be a table of strings") }
        var map: [String: String] = [:]
        for (name, element) in table {
            if let string = element.string {
                map[name] = string
            } else if let int = element.int {
                map[name] = String(int)
            } else if let double = element.double {
                map[name] = String(double)
            } else if let bool = element.bool {
                map[name] = String(bool)
            } else {
                throw error("\(key).\(name)", "must be a string")
            }
        }
        return map
    }

    /// Rejects keys nobody read.
    package func finish() throws(ConfigurationError) {
        for key in table.keys.sorted() where !consumed.contains(key) {
            throw error(key, "unknown key")
        }
    }
}

/// What every table of one file shares.
package struct ConfigContext {
    /// The file path as the user gave it.
    package let file: String
    /// The directory relative paths are resolved against.
    package let baseDirectory: URL
    package let sourceMap: TOMLSourceMap

    /// A path as the file gives it: absolute, or relative to ``baseDirectory``.
    package func url(forPath path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
    }
}

extension Duration {
    /// The longest duration a configuration may give (100 years), so that every duration fits in nanoseconds.
    package static let maxConfigMilliseconds = 100 * 365 * 86_400_000.0

    /// Parses `"250ms"`, `"30s"`, `"5m"`, `"2h"`, `"7d"` (a decimal number and a unit); nil beyond 100 years.
    public init?(configText text: String) {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (unit, seconds) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value >= 0, value.isFinite else { continue }
            let milliseconds = (value * seconds * 1000).rounded()
            guard milliseconds <= Self.maxConfigMilliseconds else { return nil }
            self = .milliseconds(Int64(milliseconds))
            return
        }
        return nil
    }
}
