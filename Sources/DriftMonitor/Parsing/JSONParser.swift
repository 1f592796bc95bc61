/// A small strict JSON parser over bytes, for capture lines and payloads (offline; tolerant callers count failures).
struct JSONParser {
    struct Failure: Error {
        let offset: Int
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses exactly one JSON value (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw Failure(offset: parser.position) }
        return value
    }

    /// Parses one or more whitespace-separated JSON values (a JSON document or JSON Lines).
    static func parseSequence(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> [JSONValue] {
        var parser = JSONParser(bytes)
        var values: [JSONValue] = []
        parser.skipWhitespace()
        while parser.position < bytes.count {
            values.append(try parser.value())
            parser.skipWhitespace()
        }
        guard !values.isEmpty else { throw Failure(offset: 0) }
        return values
    }

    /// Parses the UTF-8 of `text`.
    static func parse(_ text: String) throws(Failure) -> JSONValue {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBufferPointer { buffer in Result { () throws(Failure) in try parse(buffer) } }
        return try result.get()
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func value() throws(Failure) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw Failure(offset: position) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: String) throws(Failure) {
        let expected = Array(word.utf8)
        guard position + expected.count <= bytes.count else { throw Failure(offset: position) }
        for index in 0..<expected.count where bytes[position + index] != expected[index] {
            throw Failure(offset: position)
        }
        position += expected.count
    }

    private mutating func object() throws(Failure) -> JSONValue {
        try enter()
        position += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw Failure(offset: position) }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            members.append((key, try value()))
            skipWhitespace()
            guard position < bytes.count else { throw Failure(offset: position) }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"))
            depth -= 1
            return .object(members)
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        try enter()
        position += 1
        var values: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(values)
        }
        while true {
            values.append(try value())
            skipWhitespace()
            guard position < bytes.count else { throw Failure(offset: position) }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "]"))
            depth -= 1
            return .array(values)
        }
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= 512 else { throw Failure(offset: position) }
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard position < bytes.count, bytes[position] == byte else { throw Failure(offset: position) }
        position += 1
    }

    private mutating func number() throws(Failure) -> String {
        let start = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        guard position > integerStart else { throw Failure(offset: start) }
        if position - integerStart > 1, bytes[integerStart] == UInt8(ascii: "0") { throw Failure(offset: start) }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            guard position > fractionStart else { throw Failure(offset: start) }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            let exponentStart = position
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            guard position > exponentStart else { throw Failure(offset: start) }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func string() throws(Failure) -> String {
        position += 1
        var result: [UInt8] = []
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: result, as: UTF8.self) else { throw Failure(offset: position) }
                return text
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw Failure(offset: position) }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): result.append(escape)
                case UInt8(ascii: "n"): result.append(0x0A)
                case UInt8(ascii: "r"): result.append(0x0D)
                case UInt8(ascii: "t"): result.append(0x09)
                case UInt8(ascii: "b"): result.append(0x08)
                case UInt8(ascii: "f"): result.append(0x0C)
                case UInt8(ascii: "u"): try unicodeEscape(into: &result)
                default: throw Failure(offset: position)
                }
            case 0..<0x20:
                throw Failure(offset: position)
            default:
                result.append(byte)
                position += 1
            }
        }
        throw Failure(offset: position)
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw Failure(offset: position) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw Failure(offset: position)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func unicodeEscape(into result: inout [UInt8]) throws(Failure) {
        var scalarValue = try hexQuad()
        if scalarValue >= 0xD800, scalarValue < 0xDC00 {
            guard position + 2 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
            else { throw Failure(offset: position) }
            position += 2
            let low = try hexQuad()
            guard low >= 0xDC00, low < 0xE000 else { throw Failure(offset: position) }
            scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw Failure(offset: position) }
        result.append(contentsOf: String(Character(scalar)).utf8)
    }
}
