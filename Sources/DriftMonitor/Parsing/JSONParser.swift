import WireFormats

/// A small strict JSON parser over bytes, for capture lines and payloads (offline; tolerant callers count failures).
/// Tokens are read by the shared ``JSONScanner`` (strict: RFC 8259, valid UTF-8, paired surrogates); numbers keep
/// their text in ``JSONValue``.
struct JSONParser {
    struct Failure: Error {
        let offset: Int
    }

    private let scanner: JSONScanner
    private var position = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        scanner = JSONScanner(bytes: UnsafeRawBufferPointer(bytes))
    }

    private var bytes: UnsafeRawBufferPointer { scanner.bytes }

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
        position = scanner.skipWhitespace(position)
    }

    private mutating func value() throws(Failure) -> JSONValue {
        skipWhitespace()
        guard position < bytes.count else { throw Failure(offset: position) }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return .number(try number())
        }
    }

    /// The result of a scanner call, its error as this parser's failure.
    private func lexed<T>(_ lex: () throws(JSONScanner.Invalid) -> T) throws(Failure) -> T {
        do {
            return try lex()
        } catch {
            throw Failure(offset: error.offset)
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        position = try lexed { () throws(JSONScanner.Invalid) in try scanner.literalEnd(word, at: position) }
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
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
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
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
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
        position = try lexed { () throws(JSONScanner.Invalid) in try scanner.numberEnd(start).end }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private mutating func string() throws(Failure) -> String {
        let (value, end) = try lexed { () throws(JSONScanner.Invalid) in
            try scanner.string(at: position, strict: true)
        }
        position = end
        return value
    }
}
