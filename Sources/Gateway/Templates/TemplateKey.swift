/// Which side of an invocation a mapping template transforms.
public enum TemplateDirection: String, Sendable, Hashable, CaseIterable, Codable {
    /// The client's payload, before it goes to the model (chosen by the request's `Content-Type`).
    case request
    /// The model's answer, before it goes to the client (chosen by the request's `Accept`).
    case response
}

/// Names one mapping template: endpoint, optional variant, direction and media type.
///
/// The same key addresses a template declared in `gateway.conf` and the versions stored in SQLite, which is how
/// stored edits override the file.
public struct TemplateKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The endpoint name.
    public var endpoint: String
    /// The production variant, or `""` for a template of the whole endpoint.
    public var variant: String
    /// Request or response.
    public var direction: TemplateDirection
    /// The normalized media type the template is selected by (`application/json`).
    public var contentType: String

    /// Creates a key; `contentType` is normalized (lowercased, parameters dropped).
    public init(endpoint: String, variant: String = "", direction: TemplateDirection, contentType: String) {
        self.endpoint = endpoint
        self.variant = variant
        self.direction = direction
        self.contentType = MediaType.normalize(contentType)
    }

    /// The key of the same template at endpoint level.
    var endpointLevel: TemplateKey {
        var key = self
        key.variant = ""
        return key
    }

    /// `demo/request/application/json` or `demo[VariantA]/request/application/json`.
    public var description: String {
        let scope = variant.isEmpty ? endpoint : "\(endpoint)[\(variant)]"
        return "\(scope)/\(direction.rawValue)/\(contentType)"
    }
}

/// Media type helpers for template selection, on UTF-8 bytes (they run on every templated request).
enum MediaType {
    /// `Text/CSV; charset=utf-8` → `text/csv`.
    static func normalize(_ value: String) -> String {
        let bytes = value.utf8
        let end = bytes.firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
        return lowercased(trimmed(bytes[bytes.startIndex..<end]))
    }

    /// Whether `value` looks like `type/subtype` with no wildcard.
    static func isConcrete(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && !$0.contains("*") && !$0.contains(" ") }
    }

    /// Whether `value` can be a request template's `output_content_type`: a concrete media type (parameters
    /// allowed) that is also a legal header value (no CR, LF or other control characters), since it is sent to the
    /// model as `Content-Type`.
    static func isOutputContentType(_ value: String) -> Bool {
        isConcrete(normalize(value))
            && value.utf8.allSatisfy { $0 == UInt8(ascii: "\t") || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// The media ranges of an `Accept` header, best first (by `q`, then by order); ranges with `q=0` are dropped.
    static func acceptRanges(_ accept: String) -> [String] {
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
                buffer[count] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
                count += 1
            }
            return count
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
