extension JSONScanner {
    /// The deepest nesting of objects and arrays a body may have.
    static let maxDepth = 512

    /// Checks that the bytes are exactly one JSON value (RFC 8259) with optional surrounding whitespace: string
    /// escapes, number syntax and the literals `true`, `false`, `null`; throws at the first byte that is not.
    func validate() throws(Invalid) {
        let start = skipWhitespace(0)
        guard start < bytes.count else { throw Invalid(offset: start, reason: "empty body") }
        let end = skipWhitespace(try validValueEnd(start, depth: 0))
        guard end == bytes.count else { throw Invalid(offset: end, reason: "text after the JSON value") }
    }

    private func validValueEnd(_ start: Int, depth: Int) throws(Invalid) -> Int {
        guard start < bytes.count else { throw Invalid(offset: start, reason: "value expected") }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return try validStringEnd(start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw Invalid(offset: start, reason: "nested too deeply") }
            let isObject = bytes[start] == UInt8(ascii: "{")
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            var index = skipWhitespace(start + 1)
            if index < bytes.count, bytes[index] == close { return index + 1 }
            while true {
                if isObject {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                        throw Invalid(offset: index, reason: "member name expected")
                    }
                    index = skipWhitespace(try validStringEnd(index))
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                        throw Invalid(offset: index, reason: "':' expected")
                    }
                    index = skipWhitespace(index + 1)
                }
                index = skipWhitespace(try validValueEnd(index, depth: depth + 1))
                guard index < bytes.count else { throw Invalid(offset: start, reason: "unterminated object or array") }
                if bytes[index] == close { return index + 1 }
                guard bytes[index] == UInt8(ascii: ",") else {
                    throw Invalid(offset: index, reason: isObject ? "',' or '}' expected" : "',' or ']' expected")
                }
                index = skipWhitespace(index + 1)
            }
        case UInt8(ascii: "t"): return try literalEnd("true", at: start)
        case UInt8(ascii: "f"): return try literalEnd("false", at: start)
        case UInt8(ascii: "n"): return try literalEnd("null", at: start)
        default:
            return try validNumberEnd(start)
        }
    }

    private func literalEnd(_ literal: StaticString, at start: Int) throws(Invalid) -> Int {
        let count = literal.utf8CodeUnitCount
        guard start + count <= bytes.count,
            (0..<count).allSatisfy({ bytes[start + $0] == literal.utf8Start[$0] })
        else { throw Invalid(offset: start, reason: "invalid literal") }
        return start + count
    }

    private func validNumberEnd(_ start: Int) throws(Invalid) -> Int {
        var index = start
        func digits() -> Int {
            let first = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else {
            throw Invalid(offset: start, reason: "invalid number or value")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw Invalid(offset: start, reason: "invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { throw Invalid(offset: start, reason: "invalid number") }
        }
        return index
    }

    private func validStringEnd(_ start: Int) throws(Invalid) -> Int {
        var index = start + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                return index + 1
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { break }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard index + 6 <= bytes.count, (index + 2..<index + 6).allSatisfy({ bytes[$0].isHexDigit }) else {
                        throw Invalid(offset: index, reason: "invalid \\u escape")
                    }
                    index += 6
                default:
                    throw Invalid(offset: index, reason: "invalid escape")
                }
            case 0x00..<0x20:
                throw Invalid(offset: index, reason: "control character in a string")
            default:
                index += 1
            }
        }
        throw Invalid(offset: start, reason: "unterminated string")
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
