/// A byte-level JSON scanner: finds values and skips them without building a document, so enrichment passes bodies
/// through unchanged except where features are spliced in. It is also the one JSON lexer of the gateway: the
/// templates' and the drift monitor's readers build their values on its whitespace, literal, number and string
/// rules (`JSONScanner+Lexing.swift`), and ``validate()`` checks a whole document with the same rules.
public struct JSONScanner {
    public let bytes: UnsafeRawBufferPointer

    /// A scanner over `bytes`, which must stay valid while it is used.
    public init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    /// Where the bytes stop being JSON, and why.
    public struct Invalid: Error {
        public let offset: Int
        public let reason: String

        public init(offset: Int, reason: String) {
            self.offset = offset
            self.reason = reason
        }
    }

    /// One member of an object: the key (without quotes) and the value's byte range.
    public struct Member {
        public let keyRange: Range<Int>
        public let keyHasEscapes: Bool
        public let value: Range<Int>
    }

    /// The index of the first non-whitespace byte at or after `index`.
    public func skipWhitespace(_ index: Int) -> Int {
        var index = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): index += 1
            default: return index
            }
        }
        return index
    }

    /// The range of the top-level value.
    public func rootValue() throws(Invalid) -> Range<Int> {
        let start = skipWhitespace(0)
        guard start < bytes.count else { throw Invalid(offset: start, reason: "empty body") }
        return start..<(try valueEnd(start))
    }

    /// The end (exclusive) of the value starting at `start`.
    public func valueEnd(_ start: Int) throws(Invalid) -> Int {
        guard start < bytes.count else { throw Invalid(offset: start, reason: "value expected") }
        switch bytes[start] {
        case Self.quote:
            return try stringEnd(start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return try closingBracket(from: start, depth: 0, openedAt: start) + 1
        default:
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: " "), UInt8(ascii: "\t"),
                    UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    guard index > start else { throw Invalid(offset: start, reason: "value expected") }
                    return index
                default:
                    index += 1
                }
            }
            return index
        }
    }

    /// The end (exclusive, after the closing quote) of the string starting at `start`.
    public func stringEnd(_ start: Int) throws(Invalid) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case Self.backslash: index += 2
            case Self.quote: return index + 1
            default: index += 1
            }
        }
        throw Invalid(offset: start, reason: "unterminated string")
    }

    /// Calls `body` for each member of the object at `start` until it returns `false`; returns the index of the
    /// closing brace.
    @discardableResult
    public func forEachMember(ofObjectAt start: Int, _ body: (Member) throws(Invalid) -> Bool) throws(Invalid) -> Int {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else {
            throw Invalid(offset: start, reason: "object expected")
        }
        var index = skipWhitespace(start + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return index }
        while index < bytes.count {
            guard bytes[index] == Self.quote else { throw Invalid(offset: index, reason: "member name expected") }
            let keyStart = index + 1
            let keyEnd = try stringEnd(index) - 1
            var hasEscapes = false
            for position in keyStart..<keyEnd where bytes[position] == Self.backslash { hasEscapes = true }
            index = skipWhitespace(keyEnd + 1)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw Invalid(offset: index, reason: "':' expected")
            }
            let valueStart = skipWhitespace(index + 1)
            let valueEnd = try valueEnd(valueStart)
            let proceed = try body(
                Member(keyRange: keyStart..<keyEnd, keyHasEscapes: hasEscapes, value: valueStart..<valueEnd))
            index = skipWhitespace(valueEnd)
            guard index < bytes.count else { break }
            if bytes[index] == UInt8(ascii: "}") { return index }
            guard bytes[index] == UInt8(ascii: ",") else { throw Invalid(offset: index, reason: "',' or '}' expected") }
            if !proceed { return try closingBracket(from: index, depth: 1, openedAt: start) }
            index = skipWhitespace(index + 1)
        }
        throw Invalid(offset: start, reason: "unterminated object")
    }

    /// Calls `body` with the range of each element of the array at `start`; returns the index of the closing bracket.
    @discardableResult
    public func forEachElement(ofArrayAt start: Int, _ body: (Range<Int>) throws(Invalid) -> Void) throws(Invalid)
        -> Int
    {
        guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else {
            throw Invalid(offset: start, reason: "array expected")
        }
        var index = skipWhitespace(start + 1)
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return index }
        while index < bytes.count {
            let end = try valueEnd(index)
            try body(index..<end)
            index = skipWhitespace(end)
            guard index < bytes.count else { break }
            if bytes[index] == UInt8(ascii: "]") { return index }
            guard bytes[index] == UInt8(ascii: ",") else { throw Invalid(offset: index, reason: "',' or ']' expected") }
            index = skipWhitespace(index + 1)
        }
        throw Invalid(offset: start, reason: "unterminated array")
    }

    /// Whether a member's key equals `name`.
    public func key(_ member: Member, equals name: String) throws(Invalid) -> Bool {
        if member.keyHasEscapes { return try decodeString(member.keyRange) == name }
        var utf8 = name.utf8.makeIterator()
        for position in member.keyRange {
            guard let byte = utf8.next(), byte == bytes[position] else { return false }
        }
        return utf8.next() == nil
    }

    /// The text of a scalar value: strings unescaped, numbers and booleans as written, `nil` for `null`.
    public func scalarText(_ range: Range<Int>) throws(Invalid) -> String? {
        guard let first = range.first.map({ bytes[$0] }) else { return nil }
        switch first {
        case Self.quote:
            return try decodeString((range.lowerBound + 1)..<(range.upperBound - 1))
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            throw Invalid(offset: range.lowerBound, reason: "an object or array, not a scalar")
        default:
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            return text == "null" ? nil : text
        }
    }

    /// Decodes the content of a JSON string (`range` is between the quotes), resolving escapes leniently.
    public func decodeString(_ range: Range<Int>) throws(Invalid) -> String {
        try string(at: range.lowerBound - 1, strict: false).value
    }

    /// The index of the bracket that closes the object or array `depth` levels up from `index` (0: the one opening
    /// at `index`), skipping strings and nested values.
    private func closingBracket(from index: Int, depth: Int, openedAt start: Int) throws(Invalid) -> Int {
        var depth = depth
        var index = index
        while index < bytes.count {
            switch bytes[index] {
            case Self.quote:
                index = try stringEnd(index)
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return index }
            default:
                break
            }
            index += 1
        }
        throw Invalid(offset: start, reason: "unterminated object or array")
    }
}
