/// The lexical rules of JSON, once: whitespace is in `JSONScanner.swift`, literals, numbers and strings are here.
/// ``JSONScanner/validate()`` checks a document with them and the readers that build values (the templates'
/// `JSONReader`, the drift monitor's `JSONParser`) call them token by token.
extension JSONScanner {
    /// Reads the string literal whose opening quote is at `start`: its decoded text and the index after its closing
    /// quote. A string without escapes becomes a `String` straight from its bytes.
    ///
    /// Strict is RFC 8259 as the drift monitor reads captures: a control character, an unpaired surrogate escape or
    /// ill-formed UTF-8 is an error. Lenient is how json-smart reads payloads for API Gateway's templates and what
    /// enrichment needs for member names: control characters pass, unpaired surrogates and ill-formed UTF-8 become
    /// U+FFFD. Both reject unknown escapes.
    public func string(at start: Int, strict: Bool) throws(Invalid) -> (value: String, end: Int) {
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                return (try text(bytes[(start + 1)..<index], at: start, strict: strict), index + 1)
            }
            if byte == UInt8(ascii: "\\") { break }
            if strict, byte < 0x20 { throw Invalid(offset: index, reason: "control character in a string") }
            index += 1
        }
        var output: [UInt8]? = Array(bytes[(start + 1)..<index])
        let end = try stringEnd(from: index, openedAt: start, strict: strict, decodingInto: &output)
        return (try text(output ?? [], at: start, strict: strict), end)
    }

    /// The end (exclusive) of the number literal at `start` and whether it is an integer (no fraction, no exponent):
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`. Leading zeros (`007`) are an error unless allowed (json-smart
    /// reads them as the templates' payloads may carry them).
    public func numberEnd(
        _ start: Int, allowingLeadingZeros: Bool = false
    ) throws(Invalid) -> (end: Int, isInteger: Bool) {
        var index = start
        func digits() -> Int {
            let first = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                index += 1
            }
            return index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        guard integerDigits > 0,
            allowingLeadingZeros || integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0")
        else { throw Invalid(offset: start, reason: "invalid number or value") }
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard digits() > 0 else { throw Invalid(offset: start, reason: "invalid number") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard digits() > 0 else { throw Invalid(offset: start, reason: "invalid number") }
        }
        return (index, isInteger)
    }

    /// The end (exclusive) of `literal` (`true`, `false`, `null`) at `start`.
    public func literalEnd(_ literal: StaticString, at start: Int) throws(Invalid) -> Int {
        let count = literal.utf8CodeUnitCount
        guard start + count <= bytes.count,
            (0..<count).allSatisfy({ bytes[start + $0] == literal.utf8Start[$0] })
        else { throw Invalid(offset: start, reason: "invalid literal") }
        return start + count
    }

    /// Checks the string literal at `start` (escapes, no control characters) without decoding it; returns its end.
    func validStringEnd(_ start: Int) throws(Invalid) -> Int {
        var nothing: [UInt8]?
        return try stringEnd(from: start + 1, openedAt: start, strict: true, decodingInto: &nothing)
    }

    /// The one loop over a string's escapes: from `index` inside the string opened at `start` to after its closing
    /// quote, appending the decoded bytes to `output` unless it is `nil` (validation, where surrogates go unpaired
    /// as RFC 8259's grammar allows).
    private func stringEnd(
        from index: Int, openedAt start: Int, strict: Bool, decodingInto output: inout [UInt8]?
    ) throws(Invalid) -> Int {
        var index = index
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                return index + 1
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else { break }
                let escape = bytes[index + 1]
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output?.append(escape)
                case UInt8(ascii: "b"): output?.append(0x08)
                case UInt8(ascii: "f"): output?.append(0x0C)
                case UInt8(ascii: "n"): output?.append(0x0A)
                case UInt8(ascii: "r"): output?.append(0x0D)
                case UInt8(ascii: "t"): output?.append(0x09)
                case UInt8(ascii: "u"):
                    guard let code = hexQuad(at: index + 2) else {
                        throw Invalid(offset: index, reason: "invalid \\u escape")
                    }
                    index += 6
                    guard output != nil else { continue }
                    var scalar = code
                    if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                        bytes[index + 1] == UInt8(ascii: "u"), let low = hexQuad(at: index + 2),
                        (0xDC00..<0xE000).contains(low)
                    {
                        scalar = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    } else if (0xD800..<0xE000).contains(code) {
                        guard !strict else { throw Invalid(offset: index - 6, reason: "unpaired surrogate") }
                        scalar = 0xFFFD
                    }
                    Self.appendUTF8(scalar, to: &output)
                    continue
                default:
                    throw Invalid(offset: index, reason: "invalid escape")
                }
                index += 2
                continue
            case 0x00..<0x20 where strict:
                throw Invalid(offset: index, reason: "control character in a string")
            default:
                output?.append(byte)
            }
            index += 1
        }
        throw Invalid(offset: start, reason: "unterminated string")
    }

    /// The value of the four hex digits at `index`, or `nil`.
    private func hexQuad(at index: Int) -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func text(_ content: some Collection<UInt8>, at start: Int, strict: Bool) throws(Invalid) -> String {
        guard strict else { return String(decoding: content, as: UTF8.self) }
        guard let text = String(validating: content, as: UTF8.self) else {
            throw Invalid(offset: start, reason: "ill-formed UTF-8 in a string")
        }
        return text
    }

    private static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]?) {
        if scalar < 0x80 {
            output?.append(UInt8(scalar))
        } else if scalar < 0x800 {
            output?.append(UInt8(0xC0 | scalar >> 6))
            output?.append(UInt8(0x80 | scalar & 0x3F))
        } else if scalar < 0x10000 {
            output?.append(UInt8(0xE0 | scalar >> 12))
            output?.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output?.append(UInt8(0x80 | scalar & 0x3F))
        } else {
            output?.append(UInt8(0xF0 | scalar >> 18))
            output?.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            output?.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            output?.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
