/// Media-type comparison on raw bytes: `text/CSV; charset=utf-8` matches `text/csv`.
enum MediaType {
    /// The media type without parameters, trimmed and lower-cased, as bytes.
    static func normalized(_ contentType: String) -> [UInt8] {
        var result: [UInt8] = []
        for byte in contentType.utf8 {
            if byte == UInt8(ascii: ";") { break }
            result.append(lowercased(byte))
        }
        while let last = result.last, isSpace(last) { result.removeLast() }
        while let first = result.first, isSpace(first) { result.removeFirst() }
        return result
    }

    /// Whether `observed` (a full content type, parameters allowed) names the normalized media type `expected`.
    static func matches(_ observed: UnsafeBufferPointer<UInt8>, _ expected: [UInt8]) -> Bool {
        var start = 0
        while start < observed.count, isSpace(observed[start]) { start += 1 }
        var end = start
        while end < observed.count, observed[end] != UInt8(ascii: ";") { end += 1 }
        while end > start, isSpace(observed[end - 1]) { end -= 1 }
        guard end - start == expected.count else { return false }
        for index in 0..<expected.count where lowercased(observed[start + index]) != expected[index] {
            return false
        }
        return true
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
