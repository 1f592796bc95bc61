/// Media types (`type/subtype; parameters`) as HTTP headers carry them, compared on UTF-8 bytes: template selection
/// and the capture writer's choice of encoding both run per request, so nothing here goes through Foundation.
public enum MediaType {
    /// `Text/CSV; charset=utf-8` → `text/csv`: parameters dropped, spaces and tabs trimmed, lower-cased (ASCII letters
    /// byte by byte, anything else by Unicode rules).
    public static func normalize(_ value: String) -> String {
        let bytes = value.utf8
        let end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        return lowercased(trimmed(bytes[bytes.startIndex..<end]))
    }

    /// Whether `observed` (a full content type, parameters allowed) names the media type `expected`, which must be
    /// the UTF-8 of a ``normalize(_:)`` result. Allocation-free: ASCII letters of `observed` are folded as they are
    /// compared, other bytes must be equal.
    public static func matches(_ observed: UnsafeBufferPointer<UInt8>, _ expected: [UInt8]) -> Bool {
        let end = observed.firstIndex(of: UInt8(ascii: ";")) ?? observed.endIndex
        let type = trimmed(observed[observed.startIndex..<end])
        guard type.count == expected.count else { return false }
        for (byte, wanted) in zip(type, expected) where lowercased(byte) != wanted {
            return false
        }
        return true
    }

    /// Whether `value` looks like `type/subtype` with no wildcard.
    public static func isConcrete(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && !$0.contains("*") && !$0.contains(" ") }
    }

    /// Whether `value` can be a request template's `output_content_type`: a concrete media type (parameters
    /// allowed) that is also a legal header value (no CR, LF or other control characters), since it is sent to the
    /// model as `Content-Type`.
    public static func isOutputContentType(_ value: String) -> Bool {
        isConcrete(normalize(value))
            && value.utf8.allSatisfy { $0 == UInt8(ascii: "\t") || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// The media ranges of an `Accept` header, best first (by `q`, then by order); ranges with `q=0` are dropped.
    public static func acceptRanges(_ accept: String) -> [String] {
        var ranges: [(range: String, quality: Double, order: Int)] = []
        for (order, part) in accept.utf8.split(separator: UInt8(ascii: ",")).enumerated() {
            let pieces = part.split(separator: UInt8(ascii: ";"))
            guard let first = pieces.first else { continue }
            let range = lowercased(trimmed(first))
            guard !range.isEmpty else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() {
                let pair = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1)
                if pair.count == 2, trimmed(pair[0]).elementsEqual("q".utf8) {
                    quality = Double(String(decoding: trimmed(pair[1]), as: UTF8.self)) ?? 1
                }
            }
            if quality > 0 { ranges.append((range, quality, order)) }
        }
        if ranges.count == 1 { return [ranges[0].range] }
        return ranges.sorted { $0.quality != $1.quality ? $0.quality > $1.quality : $0.order < $1.order }.map(\.range)
    }

    /// `bytes` without leading and trailing spaces and tabs (HTTP's optional whitespace).
    private static func trimmed<Bytes: BidirectionalCollection<UInt8>>(_ bytes: Bytes) -> Bytes.SubSequence {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start = bytes.index(after: start) }
        while start < end, isSpace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return bytes[start..<end]
    }

    /// The bytes as a lower-cased string: ASCII letters are folded byte by byte, anything else by Unicode rules.
    private static func lowercased(_ bytes: some Collection<UInt8>) -> String {
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return String(decoding: bytes, as: UTF8.self).lowercased() }
        return String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var count = 0
            for byte in bytes {
                buffer[count] = lowercased(byte)
                count += 1
            }
            return count
        }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
