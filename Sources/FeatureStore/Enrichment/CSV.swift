/// Minimal RFC 4180 CSV handling: rows, fields and quoting.
enum CSV {
    /// One record of a CSV text: its content (without the line break) and the line break that followed it.
    struct Record {
        var content: Substring
        var lineBreak: Substring
        /// The 1-based line number where the record starts.
        var line: Int
    }

    /// Splits `text` into records at line breaks outside quotes.
    static func records(_ text: Substring) -> [Record] {
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

    /// The fields of one record, unquoted; `nil` if a quote is not closed.
    static func fields(_ record: Substring) -> [String]? {
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var index = record.startIndex
        while index < record.endIndex {
            let character = record[index]
            let next = record.index(after: index)
            if inQuotes {
                if character == "\"" {
                    if next < record.endIndex, record[next] == "\"" {
                        field.append("\"")
                        index = record.index(after: next)
                        continue
                    }
                    inQuotes = false
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                inQuotes = true
            } else if character == "," {
                fields.append(field)
                field = ""
            } else {
                field.append(character)
            }
            index = next
        }
        guard !inQuotes else { return nil }
        fields.append(field)
        return fields
    }

    /// `value` as a CSV field, quoted when it contains a comma, quote or line break.
    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
