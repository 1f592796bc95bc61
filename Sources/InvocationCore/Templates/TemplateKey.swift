import WireFormats

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
    package var endpointLevel: TemplateKey {
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
