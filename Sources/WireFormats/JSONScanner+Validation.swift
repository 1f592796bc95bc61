extension JSONScanner {
    /// The deepest nesting of objects and arrays a body may have.
    public static let maxDepth = 512

    /// Checks that the bytes are exactly one JSON value (RFC 8259) with optional surrounding whitespace: string
    /// escapes, number syntax and the literals `true`, `false`, `null`; throws at the first byte that is not.
    public func validate() throws(Invalid) {
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
            return try numberEnd(start).end
        }
    }
}
