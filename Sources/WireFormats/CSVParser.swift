/// A streaming RFC 4180 CSV parser: feed bytes in any chunks, get whole rows. The one CSV field syntax of the
/// gateway: the drift monitor streams datasets through it, ``CSV/fields(_:)`` parses one record with it.
///
/// Quoted fields may hold commas, doubled quotes and newlines; CRLF and LF both end rows; blank lines are skipped.
public struct CSVParser {
    private var field: [UInt8] = []
    private var row: [String] = []
    private var inQuotes = false
    private var afterQuote = false
    private var quotedField = false
    /// The line being read (1-based; newlines inside quoted fields count).
    private var line = 1
    /// The line on which the current row started.
    private var rowLine = 1
    /// The line on which the last quoted field started.
    private var quoteLine = 1

    /// A parser at the start of its input.
    public init() {}

    /// While the input read so far ends inside a quoted field: the line that field started on.
    public var openQuoteLine: Int? { inQuotes ? quoteLine : nil }

    /// Feeds bytes; `onRow` is called for every row completed by them, with the line the row started on.
    public mutating func feed<E: Error>(
        _ bytes: UnsafeBufferPointer<UInt8>, onRow: (_ row: [String], _ line: Int) throws(E) -> Void
    ) throws(E) {
        for byte in bytes {
            if inQuotes {
                if byte == UInt8(ascii: "\n") { line += 1 }
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
                line += 1
                rowLine = line
            case UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\"") where field.isEmpty && !quotedField:
                inQuotes = true
                quotedField = true
                quoteLine = line
            default:
                field.append(byte)
            }
        }
    }

    /// Ends the input: emits a last row that had no newline (a quoted field left open keeps the rest of the input).
    public mutating func finish<E: Error>(onRow: (_ row: [String], _ line: Int) throws(E) -> Void) throws(E) {
        inQuotes = false
        afterQuote = false
        try endRow(onRow)
    }

    /// All rows of a complete text.
    public static func rows(of text: String) -> [[String]] {
        var parser = CSVParser()
        var rows: [[String]] = []
        var text = text
        let collect = { (row: [String], _: Int) in rows.append(row) }
        text.withUTF8 { parser.feed($0, onRow: collect) }
        parser.finish(onRow: collect)
        return rows
    }

    private mutating func endField() {
        row.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
        quotedField = false
    }

    private mutating func endRow<E: Error>(_ onRow: (_ row: [String], _ line: Int) throws(E) -> Void) throws(E) {
        let blank = row.isEmpty && field.isEmpty && !quotedField
        if !blank {
            endField()
            try onRow(row, rowLine)
        }
        row.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        quotedField = false
    }
}
