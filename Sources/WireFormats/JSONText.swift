/// Hand-written JSON string output for the capture writer's hot loop, the gateway's own answers, enrichment and the
/// mapping templates' `$input.json` (no Foundation JSON, no per-byte allocation).
public enum JSONText {
    /// Which characters a string literal escapes beyond `"`, `\` and the control characters JSON requires.
    public enum Escaping: Sendable {
        /// Nothing more: `\b \f \n \r \t` in short form, other control characters and DEL as `\u00xx` (lower-case).
        case minimal
        /// json-smart's `JSONStyle.NO_COMPRESS`, which API Gateway's templates print with: also `/` as `\/`, and
        /// DEL, U+0080–U+009F and U+2000–U+20FF as `\uXXXX` (upper-case).
        case jsonSmart
    }

    /// `string` as a JSON string literal, with the escapes JSON requires.
    public static func quoted(_ string: String) -> String {
        var output: [UInt8] = []
        appendString(string, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `"…"`, `string` escaped.
    public static func appendString(_ string: String, escaping: Escaping = .minimal, to output: inout [UInt8]) {
        var string = string
        string.withUTF8 { bytes in
            _ = appendString(bytes, escaping: escaping, to: &output)
        }
    }

    /// Appends `bytes` as a quoted JSON string when they are valid UTF-8 and returns `true`; otherwise leaves `output`
    /// unchanged and returns `false` (the capture writer then falls back to base64).
    @discardableResult
    public static func appendString(
        _ bytes: UnsafeBufferPointer<UInt8>, escaping: Escaping = .minimal, to output: inout [UInt8]
    ) -> Bool {
        let start = output.count
        output.reserveCapacity(start + bytes.count + 2)
        output.append(UInt8(ascii: "\""))
        guard escape(bytes, escaping: escaping, { output.append(contentsOf: $0) }) else {
            output.removeSubrange(start...)
            return false
        }
        output.append(UInt8(ascii: "\""))
        return true
    }

    /// Passes the escaped content of a string literal (without the quotes) to `write` in pieces: runs of bytes that
    /// need no escape, copied in one go, and single escape sequences; for outputs other than `[UInt8]` (NIO's
    /// `ByteBuffer`). Returns `false` at the first ill-formed UTF-8 sequence, after the pieces before it.
    @discardableResult
    public static func escape(
        _ bytes: UnsafeBufferPointer<UInt8>, escaping: Escaping = .minimal,
        _ write: (UnsafeBufferPointer<UInt8>) -> Void
    ) -> Bool {
        let jsonSmart = escaping == .jsonSmart
        var runStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            var length = 1
            var escaped: UInt32
            if byte < 0x80 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): escaped = UInt32(byte)
                case UInt8(ascii: "/") where jsonSmart: escaped = UInt32(byte)
                case 0..<0x20, 0x7F: escaped = UInt32(byte)
                default:
                    index += 1
                    continue
                }
            } else {
                length = validSequenceLength(bytes, at: index)
                guard length > 0 else {
                    flush(bytes, runStart..<index, write)
                    return false
                }
                guard jsonSmart, let scalar = jsonSmartEscapedScalar(bytes, at: index) else {
                    index += length
                    continue
                }
                escaped = scalar
            }
            flush(bytes, runStart..<index, write)
            writeEscape(escaped, upperCase: jsonSmart, write)
            index += length
            runStart = index
        }
        flush(bytes, runStart..<index, write)
        return true
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (lead byte ≥ 0x80), or 0 when ill-formed
    /// (overlong forms, surrogates and code points above U+10FFFF are rejected).
    public static func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upper = 0x9F
        case 0xF0:
            length = 4
            lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upper = 0x8F
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        let second = bytes[index + 1]
        guard second >= lower, second <= upper else { return 0 }
        for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 {
            return 0
        }
        return length
    }

    /// Appends `"…"` holding the standard base64 (with padding) of `bytes`.
    public static func appendBase64String(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.reserveCapacity(output.count + (bytes.count + 2) / 3 * 4 + 2)
        output.append(UInt8(ascii: "\""))
        Base64.append(bytes, to: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// Appends a UUID in its lower-case 8-4-4-4-12 form, quoted.
    public static func appendUUID(_ uuid: UUIDBytes, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        withUnsafeBytes(of: uuid) { raw in
            for (position, byte) in raw.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    output.append(UInt8(ascii: "-"))
                }
                output.append(hexDigit(byte >> 4, upperCase: false))
                output.append(hexDigit(byte & 0xF, upperCase: false))
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// The sixteen bytes of a UUID, as Foundation's `uuid_t`.
    public typealias UUIDBytes = (
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
    )

    /// The code point of the well-formed two- or three-byte sequence at `index` when json-smart escapes it
    /// (U+0080–U+009F: `C2 80`–`C2 9F`; U+2000–U+20FF: `E2 80 80`–`E2 83 BF`).
    private static func jsonSmartEscapedScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt32? {
        let lead = bytes[index]
        let second = bytes[index + 1]
        if lead == 0xC2, second <= 0x9F { return UInt32(second) }
        if lead == 0xE2, second <= 0x83 { return 0x2000 | UInt32(second & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F) }
        return nil
    }

    private static func flush(
        _ bytes: UnsafeBufferPointer<UInt8>, _ run: Range<Int>, _ write: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        if !run.isEmpty { write(UnsafeBufferPointer(rebasing: bytes[run])) }
    }

    /// Writes the escape of `scalar`: the short form where JSON has one, else `\uXXXX`.
    private static func writeEscape(
        _ scalar: UInt32, upperCase: Bool, _ write: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        var sequence: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (UInt8(ascii: "\\"), 0, 0, 0, 0, 0)
        var count = 2
        switch scalar {
        case 0x22, 0x5C, 0x2F: sequence.1 = UInt8(scalar)
        case 0x08: sequence.1 = UInt8(ascii: "b")
        case 0x0C: sequence.1 = UInt8(ascii: "f")
        case 0x0A: sequence.1 = UInt8(ascii: "n")
        case 0x0D: sequence.1 = UInt8(ascii: "r")
        case 0x09: sequence.1 = UInt8(ascii: "t")
        default:
            sequence.1 = UInt8(ascii: "u")
            sequence.2 = hexDigit(UInt8(scalar >> 12 & 0xF), upperCase: upperCase)
            sequence.3 = hexDigit(UInt8(scalar >> 8 & 0xF), upperCase: upperCase)
            sequence.4 = hexDigit(UInt8(scalar >> 4 & 0xF), upperCase: upperCase)
            sequence.5 = hexDigit(UInt8(scalar & 0xF), upperCase: upperCase)
            count = 6
        }
        withUnsafeBytes(of: &sequence) { raw in
            write(UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count))
        }
    }

    private static func hexDigit(_ value: UInt8, upperCase: Bool) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : (upperCase ? UInt8(ascii: "A") : UInt8(ascii: "a")) + value - 10
    }
}
