import Foundation

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

/// Media type helpers for template selection.
enum MediaType {
    /// `Text/CSV; charset=utf-8` → `text/csv`.
    static func normalize(_ value: some StringProtocol) -> String {
        let bare = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return bare.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Whether `value` looks like `type/subtype` with no wildcard.
    static func isConcrete(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && !$0.contains("*") && !$0.contains(" ") }
    }

    /// The media ranges of an `Accept` header, best first (by `q`, then by order); ranges with `q=0` are dropped.
    static func acceptRanges(_ accept: String) -> [String] {
        var ranges: [(range: String, quality: Double, order: Int)] = []
        for (order, part) in accept.split(separator: ",").enumerated() {
            let pieces = part.split(separator: ";")
            guard let first = pieces.first else { continue }
            let range = first.trimmingCharacters(in: .whitespaces).lowercased()
            guard !range.isEmpty else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == "q" {
                    quality = Double(pair[1].trimmingCharacters(in: .whitespaces)) ?? 1
                }
            }
            if quality > 0 { ranges.append((range, quality, order)) }
        }
        return ranges.sorted { $0.quality != $1.quality ? $0.quality > $1.quality : $0.order < $1.order }.map(\.range)
    }
}
