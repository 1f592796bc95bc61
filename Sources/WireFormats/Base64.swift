/// Standard base64 (RFC 4648, with padding) straight into a byte buffer.
public enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends the base64 of `bytes` to `output`.
    public static func append(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var index = 0
        let count = bytes.count
        while index + 3 <= count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(alphabet[Int((value >> 18) & 0x3F)])
            output.append(alphabet[Int((value >> 12) & 0x3F)])
            output.append(alphabet[Int((value >> 6) & 0x3F)])
            output.append(alphabet[Int(value & 0x3F)])
            index += 3
        }
        let remaining = count - index
        guard remaining > 0 else { return }
        let first = UInt32(bytes[index]) << 16
        let value = remaining == 2 ? first | UInt32(bytes[index + 1]) << 8 : first
        output.append(alphabet[Int((value >> 18) & 0x3F)])
        output.append(alphabet[Int((value >> 12) & 0x3F)])
        output.append(remaining == 2 ? alphabet[Int((value >> 6) & 0x3F)] : UInt8(ascii: "="))
        output.append(UInt8(ascii: "="))
    }
}
