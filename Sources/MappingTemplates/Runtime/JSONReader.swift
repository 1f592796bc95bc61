/// A small JSON parser producing runtime values: objects become ordered maps, arrays json-smart lists.
///
/// It reads a contiguous UTF-8 buffer without bounds checks beyond its own, and collects the members of
/// objects and arrays on scratch stacks so that each map or list is allocated once with its final size.
struct JSONReader {
    struct Failure: Error {
        var message: String
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    var depth = 0
    private var keyStack: [String] = []
    private var valueStack: [Value] = []

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
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

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): pos += 1
            default: return
            }
        }
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
        let count = word.utf8CodeUnitCount
        guard pos + count <= bytes.count else { throw Failure(message: "unexpected character at position \(pos)") }
        let start = word.utf8Start
        for i in 0..<count where bytes[pos + i] != start[i] {
            throw Failure(message: "unexpected character at position \(pos)")
        }
        pos += count
        return value
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
        let base = keyStack.count
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw Failure(message: pos < bytes.count ? "expected a key at position \(pos)" : "unexpected end of file")
            }
            keyStack.append(try readString())
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw Failure(message: "expected ':' at position \(pos)") }
            pos += 1
            skipWhitespace()
            valueStack.append(try readValue())
            if try endOfItem(closing: "}") { break }
        }
        let valueBase = valueStack.count - (keyStack.count - base)
        let map = MapBox(capacity: keyStack.count - base)
        for i in base..<keyStack.count { map.put(keyStack[i], valueStack[valueBase + i - base]) }
        keyStack.removeSubrange(base...)
        valueStack.removeSubrange(valueBase...)
        return .map(map)
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
        let base = valueStack.count
        while true {
            skipWhitespace()
            valueStack.append(try readValue())
            if try endOfItem(closing: "]") { break }
        }
        let items = Array(valueStack[base...])
        valueStack.removeSubrange(base...)
        return .list(ListBox(items, json: true))
    }

    mutating func readNumber() throws(Failure) -> Value {
        let start = pos
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        let digits = pos
        while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        guard pos > digits else { throw Failure(message: "invalid number at position \(start)") }
        var isInteger = true
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            let fraction = pos
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
            guard pos > fraction else { throw Failure(message: "invalid number at position \(start)") }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            let exponent = pos
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
            guard pos > exponent else { throw Failure(message: "invalid number at position \(start)") }
        }
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
        pos += 1
        let start = pos
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if c == UInt8(ascii: "\\") { break }
            pos += 1
        }
        var out = Array(bytes[start..<pos])
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                pos += 1
                continue
            }
            pos += 1
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "u"):
                var scalar = try readHex4()
                if (0xD800..<0xDC00).contains(scalar), pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"),
                    bytes[pos + 1] == UInt8(ascii: "u")
                {
                    pos += 2
                    let low = try readHex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        Self.appendUTF8(0xFFFD, to: &out)
                        scalar = low
                    }
                }
                Self.appendUTF8(Unicode.Scalar(scalar) == nil ? 0xFFFD : scalar, to: &out)
            default:
                throw Failure(message: "invalid escape at position \(pos - 1)")
            }
        }
        throw Failure(message: "unterminated string")
    }

    static func appendUTF8(_ v: UInt32, to out: inout [UInt8]) {
        if v < 0x80 {
            out.append(UInt8(v))
        } else if v < 0x800 {
            out.append(UInt8(0xC0 | v >> 6))
            out.append(UInt8(0x80 | v & 0x3F))
        } else if v < 0x10000 {
            out.append(UInt8(0xE0 | v >> 12))
            out.append(UInt8(0x80 | v >> 6 & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        } else {
            out.append(UInt8(0xF0 | v >> 18))
            out.append(UInt8(0x80 | v >> 12 & 0x3F))
            out.append(UInt8(0x80 | v >> 6 & 0x3F))
            out.append(UInt8(0x80 | v & 0x3F))
        }
    }

    mutating func readHex4() throws(Failure) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw Failure(message: "invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw Failure(message: "invalid \\u escape")
            }
            value = value * 16 + digit
            pos += 1
        }
        return value
    }
}
