/// RFC 4180 CSV records as enrichment splices them: a body split into records that keep their line breaks, the
/// fields of one record, and a value quoted as a field.
public enum CSV {
    /// One record of a CSV text: its content (without the line break) and the line break that followed it.
    public struct Record: Sendable {
        public var content: Substring
        public var lineBreak: Substring
        /// The 1-based line number where the record starts.
        public var line: Int
    }

    /// Splits `text` into records at line breaks outside quotes.
    public static func records(_ text: Substring) -> [Record] {
        var records: [Record] = []
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\"" {
                inQuotes.toggle()
            } else if character.isNewline && !inQuotes {
                records.append(Record(content: text[start..<index], lineBreak: text[index...index], line: recordLine))
                line += 1
                recordLine = line
                index = text.index(after: index)
                start = index
                continue
            } else if character.isNewline {
                line += 1
            }
            index = text.index(after: index)
        }
        if start < text.endIndex {
            records.append(Record(content: text[start...], lineBreak: "", line: recordLine))
        }
        return records
    }

    /// The fields of one record (no line break outside quotes), unquoted; `nil` if a quote is not closed.
    public static func fields(_ record: Substring) -> [String]? {
        var parser = CSVParser()
        var fields: [String]?
        var record = record
        record.withUTF8 { parser.feed($0) { row, _ in fields = row } }
        guard parser.openQuoteLine == nil else { return nil }
        parser.finish { row, _ in fields = row }
        return fields ?? [""]
    }

    /// `value` as a CSV field, quoted when it contains a comma, quote or line break.
    public static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
