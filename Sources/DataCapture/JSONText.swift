/// Hand-written JSON string output (the capture writer's hot loop and the gateway's own answers; no Foundation JSON).
public enum JSONText {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// `string` as a JSON string literal, with the escapes JSON requires.
    public static func quoted(_ string: String) -> String {
        var output: [UInt8] = []
        appendString(string, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `"…"` with JSON escaping for an ASCII/UTF-8 string known to be valid (names, ids, content types).
    static func appendString(_ string: String, to output: inout [UInt8]) {
        var string = string
        string.withUTF8 { bytes in
            _ = appendString(bytes, to: &output)
        }
    }

    /// Appends `bytes` as a quoted JSON string when they are valid UTF-8 and returns `true`; otherwise leaves `output`
    /// unchanged and returns `false`. Escapes `"`, `\` and control characters; other characters pass through.
    @discardableResult
    static func appendString(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) -> Bool {
        let start = output.count
        output.reserveCapacity(start + bytes.count + 2)
        output.append(UInt8(ascii: "\""))
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x80 {
                let length = validSequenceLength(bytes, at: index)
                guard length > 0 else {
                    output.removeSubrange(start...)
                    return false
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<(index + length)]))
                index += length
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): output.append(UInt8(ascii: "\\")); output.append(byte)
            case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\")); output.append(byte)
            case 0x0A: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "t"))
            case 0x08: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "b"))
            case 0x0C: output.append(UInt8(ascii: "\\")); output.append(UInt8(ascii: "f"))
            case 0..<0x20, 0x7F:
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xF)])
            default: output.append(byte)
            }
            index += 1
        }
        output.append(UInt8(ascii: "\""))
        return true
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (lead byte ≥ 0x80), or 0 when ill-formed
    /// (overlong forms, surrogates and code points above U+10FFFF are rejected).
    static func validSequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
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
    static func appendBase64String(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.reserveCapacity(output.count + (bytes.count + 2) / 3 * 4 + 2)
        output.append(UInt8(ascii: "\""))
        Base64.append(bytes, to: &output)
        output.append(UInt8(ascii: "\""))
    }

    /// Appends a UUID in its lower-case 8-4-4-4-12 form, quoted.
    static func appendUUID(_ uuid: UUIDBytes, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        withUnsafeBytes(of: uuid) { raw in
            for (position, byte) in raw.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 { output.append(UInt8(ascii: "-")) }
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0xF)])
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    typealias UUIDBytes = (
        UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
    )
}
