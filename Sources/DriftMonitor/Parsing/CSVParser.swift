/// A streaming RFC 4180 CSV parser: feed bytes in any chunks, get whole rows.
///
/// Quoted fields may hold commas, doubled quotes and newlines; CRLF and LF both end rows; blank lines are skipped.
struct CSVParser {
    private var field: [UInt8] = []
    private var row: [String] = []
    private var inQuotes = false
    private var afterQuote = false
    private var quotedField = false

    /// Feeds bytes; `onRow` is called for every row completed by them.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, onRow: ([String]) throws -> Void) rethrows {
        for byte in bytes {
            if inQuotes {
                if byte == UInt8(ascii: "\"") {
                    inQuotes = false
                    afterQuote = true
                } else {
                    field.append(byte)
                }
                continue
            }
            if afterQuote {
                afterQuote = false
                if byte == UInt8(ascii: "\"") {
                    field.append(byte)
                    inQuotes = true
                    continue
                }
            }
            switch byte {
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\n"):
                try endRow(onRow)
            case UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\"") where field.isEmpty && !quotedField:
                inQuotes = true
                quotedField = true
            default:
                field.append(byte)
            }
        }
    }

    /// Ends the input: emits a last row that had no newline.
    mutating func finish(onRow: ([String]) throws -> Void) rethrows {
        inQuotes = false
        afterQuote = false
        try endRow(onRow)
    }

    /// All rows of a complete text.
    static func rows(of text: String) -> [[String]] {
        var parser = CSVParser()
        var rows: [[String]] = []
        var text = text
        text.withUTF8 { parser.feed($0) { rows.append($0) } }
        parser.finish { rows.append($0) }
        return rows
    }

    private mutating func endField() {
        row.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        quotedField = false
    }

    private mutating func endRow(_ onRow: ([String]) throws -> Void) rethrows {
        let blank = row.isEmpty && field.isEmpty && !quotedField
        if !blank {
            endField()
            try onRow(row)
        }
        row.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        quotedField = false
    }
}
