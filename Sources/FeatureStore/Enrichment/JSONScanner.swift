/// A byte-level JSON scanner: finds values by path and skips values without building a document, so bodies pass
/// through unchanged except where features are spliced in.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer

    private static let quote = UInt8(ascii: "\"")
    private static let backslash = UInt8(ascii: "\\")

    struct Invalid: Error {
        let offset: Int
        let reason: String
    }

    /// One member of an object: the key (without quotes) and the value's byte range.
    struct Member {
        let keyRange: Range<Int>
        let keyHasEscapes: Bool
        let value: Range<Int>
    }

    /// The index of the first non-whitespace byte at or after `index`.
    func skipWhitespace(_ index: Int) -> Int {
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
    func rootValue() throws(Invalid) -> Range<Int> {
        let start = skipWhitespace(0)
        guard start < bytes.count else { throw Invalid(offset: start, reason: "empty body") }
        return start..<(try valueEnd(start))
    }

    /// The end (exclusive) of the value starting at `start`.
    func valueEnd(_ start: Int) throws(Invalid) -> Int {
        guard start < bytes.count else { throw Invalid(offset: start, reason: "value expected") }
        switch bytes[start] {
        case Self.quote:
            return try stringEnd(start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < bytes.count {
                switch bytes[index] {
                case Self.quote:
                    index = try stringEnd(index)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            throw Invalid(offset: start, reason: "unterminated object or array")
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
    func stringEnd(_ start: Int) throws(Invalid) -> Int {
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
    func forEachMember(ofObjectAt start: Int, _ body: (Member) throws(Invalid) -> Bool) throws(Invalid) -> Int {
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
            if !proceed { return try closingBrace(from: index) }
            index = skipWhitespace(index + 1)
        }
        throw Invalid(offset: start, reason: "unterminated object")
    }

    /// Whether a member's key equals `name`.
    func key(_ member: Member, equals name: String) -> Bool {
        if member.keyHasEscapes { return decodeString(member.keyRange) == name }
        var utf8 = name.utf8.makeIterator()
        for position in member.keyRange {
            guard let byte = utf8.next(), byte == bytes[position] else { return false }
        }
        return utf8.next() == nil
    }

    /// The range of the value at `path` below the value starting at `start`, or `nil` if absent.
    func find(_ path: ArraySlice<JSONPath.Component>, inValueAt start: Int) throws(Invalid) -> Range<Int>? {
        guard let step = path.first else { return start..<(try valueEnd(start)) }
        let rest = path.dropFirst()
        switch step {
        case .key(let name):
            guard start < bytes.count, bytes[start] == UInt8(ascii: "{") else { return nil }
            var found: Int?
            try forEachMember(ofObjectAt: start) { member throws(Invalid) in
                if key(member, equals: name) {
                    found = member.value.lowerBound
                    return false
                }
                return true
            }
            guard let found else { return nil }
            return try find(rest, inValueAt: found)
        case .index(let wanted):
            guard start < bytes.count, bytes[start] == UInt8(ascii: "[") else { return nil }
            var index = skipWhitespace(start + 1)
            var position = 0
            while index < bytes.count, bytes[index] != UInt8(ascii: "]") {
                if position == wanted { return try find(rest, inValueAt: index) }
                index = skipWhitespace(try valueEnd(index))
                guard index < bytes.count else { break }
                if bytes[index] == UInt8(ascii: ",") { index = skipWhitespace(index + 1) }
                position += 1
            }
            return nil
        }
    }

    /// The text of a scalar value: strings unescaped, numbers and booleans as written, `nil` for `null`.
    func scalarText(_ range: Range<Int>) throws(Invalid) -> String? {
        guard let first = range.first.map({ bytes[$0] }) else { return nil }
        switch first {
        case Self.quote:
            return decodeString((range.lowerBound + 1)..<(range.upperBound - 1))
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            throw Invalid(offset: range.lowerBound, reason: "an object or array, not a scalar")
        default:
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            return text == "null" ? nil : text
        }
    }

    /// Decodes the content of a JSON string (between the quotes), resolving escapes.
    func decodeString(_ range: Range<Int>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(range.count)
        var index = range.lowerBound
        var pendingHighSurrogate: UInt32?
        while index < range.upperBound {
            let byte = bytes[index]
            guard byte == Self.backslash, index + 1 < range.upperBound else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                guard index + 4 <= range.upperBound,
                    let code = UInt32(
                        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<(index + 4)]), as: UTF8.self),
                        radix: 16)
                else { continue }
                index += 4
                if (0xD800..<0xDC00).contains(code) {
                    pendingHighSurrogate = code
                    continue
                }
                var scalarValue = code
                if let high = pendingHighSurrogate, (0xDC00..<0xE000).contains(code) {
                    scalarValue = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                }
                pendingHighSurrogate = nil
                output.append(contentsOf: String(Unicode.Scalar(scalarValue).map(Character.init) ?? "\u{FFFD}").utf8)
            default: output.append(escape)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private func closingBrace(from index: Int) throws(Invalid) -> Int {
        var index = index
        while index < bytes.count {
            switch bytes[index] {
            case Self.quote:
                index = try stringEnd(index)
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                index = try valueEnd(index)
                continue
            case UInt8(ascii: "}"):
                return index
            default:
                index += 1
            }
        }
        throw Invalid(offset: index, reason: "unterminated object")
    }
}
