import Foundation
import WireFormats

/// One valid input row, ready to write.
struct ParsedRow {
    /// The 1-based line number.
    let line: Int
    /// The entity value (composite parts joined with `|`).
    let entity: String
    /// Values in the view's feature order; `nil` where empty or absent.
    let values: [String?]
    /// Features the row has a column or member for (empty ones are deleted, absent ones left alone).
    let present: Set<String>
    /// The event time in Unix milliseconds.
    let timestamp: Int64
}

/// Turns CSV or JSON Lines records into rows of one view.
struct RowParser {
    enum Outcome {
        case row(ParsedRow)
        case bad(FeatureLoader.BadRow)
    }

    private enum Layout {
        case csv(columnCount: Int, entity: [Int], timestamp: Int?, features: [Int?])
        case jsonLines
    }

    private let view: FeatureViewConfiguration
    private let entityColumns: [String]
    private let layout: Layout

    /// A parser for CSV records with `header`; throws if the header lacks an entity column or every feature.
    static func csv(
        header: String, view: FeatureViewConfiguration, entityColumns: [String], path: String
    ) throws(FeatureStoreError) -> RowParser {
        guard let names = CSV.fields(header[...])?.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw .invalidFile(path: path, reason: "unclosed quote in the header")
        }
        var entity: [Int] = []
        for column in entityColumns {
            guard let index = names.firstIndex(of: column) else {
                throw .invalidFile(path: path, reason: "the header has no entity column '\(column)'")
            }
            entity.append(index)
        }
        let features = view.features.map { names.firstIndex(of: $0) }
        guard features.contains(where: { $0 != nil }) else {
            throw .invalidFile(
                path: path,
                reason: "the header has none of the features of view '\(view.name)': "
                    + view.features.joined(separator: ", "))
        }
        return RowParser(
            view: view, entityColumns: entityColumns,
            layout: .csv(
                columnCount: names.count, entity: entity,
                timestamp: names.firstIndex(of: FeatureRecord.timestampField), features: features))
    }

    /// A parser for JSON Lines records.
    static func jsonLines(view: FeatureViewConfiguration, entityColumns: [String]) -> RowParser {
        RowParser(view: view, entityColumns: entityColumns, layout: .jsonLines)
    }

    /// Parses one record starting at `line`.
    func parse(_ text: String, line: Int, now: () -> Int64) -> Outcome {
        switch layout {
        case .csv(let columnCount, let entity, let timestamp, let features):
            guard let fields = CSV.fields(text[...]) else { return .bad(.init(line: line, reason: "unclosed quote")) }
            guard fields.count == columnCount else {
                return .bad(.init(line: line, reason: "expected \(columnCount) fields, found \(fields.count)"))
            }
            var members: [String: String?] = [:]
            for (column, index) in zip(entityColumns, entity) { members[column] = fields[index] }
            if let timestamp { members[FeatureRecord.timestampField] = fields[timestamp] }
            for (feature, index) in zip(view.features, features) {
                if let index { members[feature] = fields[index] }
            }
            return row(members, line: line, now: now)
        case .jsonLines:
            var members: [String: String?] = [:]
            var failure: String?
            let utf8 = Array(text.utf8)
            utf8.withUnsafeBytes { raw in
                let scanner = JSONScanner(bytes: raw)
                do throws(JSONScanner.Invalid) {
                    let root = try scanner.rootValue()
                    guard scanner.skipWhitespace(root.upperBound) == raw.count else {
                        throw JSONScanner.Invalid(offset: root.upperBound, reason: "text after the JSON value")
                    }
                    try scanner.forEachMember(ofObjectAt: root.lowerBound) { member throws(JSONScanner.Invalid) in
                        let name = try scanner.decodeString(member.keyRange)
                        guard isWanted(name) else { return true }
                        do throws(JSONScanner.Invalid) {
                            members[name] = .some(try Self.storedText(of: member.value, in: scanner))
                        } catch {
                            throw JSONScanner.Invalid(offset: error.offset, reason: "'\(name)' is \(error.reason)")
                        }
                        return true
                    }
                } catch {
                    failure = "invalid JSON object: \(error.reason) at byte \(error.offset)"
                }
            }
            if let failure { return .bad(.init(line: line, reason: failure)) }
            return row(members, line: line, now: now)
        }
    }

    /// A member's value as stored: strings decoded, numbers in their shortest exact decimal form (``DecimalText``),
    /// `true` / `false` as written, null as nil; any other bare token is invalid JSON.
    private static func storedText(of range: Range<Int>, in scanner: JSONScanner) throws(JSONScanner.Invalid)
        -> String?
    {
        guard let text = try scanner.scalarText(range) else { return nil }
        let first = scanner.bytes[range.lowerBound]
        guard first != UInt8(ascii: "\"") else { return text }
        if text == "true" || text == "false" { return text }
        guard let number = DecimalText.canonical(text) else {
            throw JSONScanner.Invalid(offset: range.lowerBound, reason: "not a JSON value: \(text)")
        }
        return number
    }

    private func isWanted(_ name: String) -> Bool {
        name == FeatureRecord.timestampField || entityColumns.contains(name) || view.features.contains(name)
    }

    /// Builds a row from member values (`.some(nil)`: present but null).
    private func row(_ members: [String: String?], line: Int, now: () -> Int64) -> Outcome {
        var parts: [String] = []
        for column in entityColumns {
            guard case .some(.some(let value)) = members[column], !value.isEmpty else {
                return .bad(.init(line: line, reason: "entity column '\(column)' is empty or missing"))
            }
            parts.append(value)
        }
        var timestamp = now()
        if case .some(.some(let text)) = members[FeatureRecord.timestampField], !text.isEmpty {
            guard let value = Int64(text) else {
                return .bad(.init(line: line, reason: "_ts must be Unix milliseconds, not '\(text)'"))
            }
            timestamp = value
        }
        var present: Set<String> = []
        let values = view.features.map { feature -> String? in
            guard let member = members[feature] else { return nil }
            present.insert(feature)
            guard let value = member, !value.isEmpty else { return nil }
            return value
        }
        return .row(
            ParsedRow(
                line: line, entity: FeatureViewConfiguration.entity(joining: parts), values: values, present: present,
                timestamp: timestamp))
    }
}
