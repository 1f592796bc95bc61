import WireFormats

/// A small JSON parser producing runtime values: objects become ordered maps, arrays json-smart lists.
///
/// Tokens are read by the shared ``JSONScanner`` with json-smart's leniency (leading zeros, control characters
/// in strings); the members of each object and array are collected straight into its map or list.
struct JSONReader {
    struct Failure: Error {
        var message: String
    }

    let bytes: UnsafeBufferPointer<UInt8>
    private let scanner: JSONScanner
    var pos = 0
    var depth = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.scanner = JSONScanner(bytes: UnsafeRawBufferPointer(bytes))
    }

    /// Parses one JSON value surrounded by optional whitespace.
    static func parse(_ text: String) throws(Failure) -> Value {
        var text = text
        return try text.withUTF8 { buffer in parseResult(buffer) }.get()
    }

    /// Parses `bytes` as one JSON value.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> Value {
        try bytes.withUnsafeBufferPointer { buffer in parseResult(buffer) }.get()
    }

    private static func parseResult(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<Value, Failure> {
        do {
            return .success(try parse(buffer))
        } catch {
            return .failure(error)
        }
    }

    /// Parses one JSON value surrounded by optional whitespace.
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>) throws(Failure) -> Value {
        var reader = JSONReader(bytes: buffer)
        reader.skipWhitespace()
        let value = try reader.readValue()
        reader.skipWhitespace()
        guard reader.pos == buffer.count else { throw Failure(message: "unexpected data at position \(reader.pos)") }
        return value
    }

    /// Whether the text's first non-blank byte is `{` or `[`.
    static func startsLikeJSON(_ text: String) -> Bool {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): return true
            default: return false
            }
        }
        return false
    }

    /// Room reserved for the members of an object or array: most have a few, and growing from empty would
    /// reallocate several times.
    static var initialCapacity: Int { 4 }

    mutating func skipWhitespace() {
        pos = scanner.skipWhitespace(pos)
    }

    mutating func readValue() throws(Failure) -> Value {
        guard pos < bytes.count else { throw Failure(message: "unexpected end of file at position \(pos)") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): return try readLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try readLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try readLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw Failure(message: "unexpected character at position \(pos)")
        }
    }

    mutating func readLiteral(_ word: StaticString, _ value: Value) throws(Failure) -> Value {
        pos = try lexed { () throws(JSONScanner.Invalid) in try scanner.literalEnd(word, at: pos) }
        return value
    }

    /// The result of a scanner call, its error as this reader's failure.
    private func lexed<T>(_ lex: () throws(JSONScanner.Invalid) -> T) throws(Failure) -> T {
        do {
            return try lex()
        } catch {
            throw Failure(message: "\(error.reason) at position \(error.offset)")
        }
    }

    mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= 512 else { throw Failure(message: "nesting too deep") }
    }

    mutating func readObject() throws(Failure) -> Value {
        try enter()
        defer { depth -= 1 }
        pos += 1
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return .map(MapBox())
        }
        var entries = OrderedEntries<Value>(capacity: Self.initialCapacity)
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw Failure(
                    message: pos < bytes.count ? "expected a key at position \(pos)" : "unexpected end of file")
            }
            let key = try readString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw Failure(message: "expected ':' at position \(pos)")
            }
            pos += 1
            skipWhitespace()
            entries.put(key, try readValue())
            if try endOfItem(closing: "}") { break }
        }
        return .map(MapBox(entries))
    }

    /// After an object member or array element: consumes `,` and returns false (more follow), or consumes
    /// `closing` and returns true.
    private mutating func endOfItem(closing: Unicode.Scalar) throws(Failure) -> Bool {
        skipWhitespace()
        guard pos < bytes.count else { throw Failure(message: "unexpected end of file") }
        if bytes[pos] == UInt8(ascii: ",") {
            pos += 1
            return false
        }
        guard bytes[pos] == UInt8(ascii: closing) else {
            throw Failure(message: "expected ',' or '\(closing)' at position \(pos)")
        }
        pos += 1
        return true
    }

    mutating func readArray() throws(Failure) -> Value {
        try enter()
        defer { depth -= 1 }
        pos += 1
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return .list(ListBox([], json: true))
        }
        var items: [Value] = []
        items.reserveCapacity(Self.initialCapacity)
        while true {
            skipWhitespace()
            items.append(try readValue())
            if try endOfItem(closing: "]") { break }
        }
        return .list(ListBox(items, json: true))
    }

    mutating func readNumber() throws(Failure) -> Value {
        let start = pos
        let (end, isInteger) = try lexed { () throws(JSONScanner.Invalid) in
            try scanner.numberEnd(start, allowingLeadingZeros: true)
        }
        pos = end
        let digits = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
        if isInteger, pos - start <= 18 {
            var value = 0
            var i = digits
            while i < pos {
                value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                i += 1
            }
            return .int(digits > start ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        if isInteger, let value = Int(text) { return .int(value) }
        guard let value = Double(text) else { throw Failure(message: "invalid number at position \(start)") }
        return .double(value)
    }

    mutating func readString() throws(Failure) -> String {
        let (value, end) = try lexed { () throws(JSONScanner.Invalid) in try scanner.string(at: pos, strict: false) }
        pos = end
        return value
    }
}
