import HTTPTypes
import MappingTemplates
import WireFormats

/// The templates that apply to one endpoint variant, merged from the configuration and the store.
///
/// Lookup order for a media type: the variant's stored template, the variant's `gateway.conf` template, the
/// endpoint's stored template, the endpoint's `gateway.conf` template. A stored template's `output_content_type`
/// falls back to the `gateway.conf` template of the same key. The merge happens once, when the scope is built
/// (per variant and store revision, see ``TemplateScopeCache``), so a request looks its template up by media type
/// alone.
package struct TemplateScope: Sendable {
    package let passthrough: PassthroughBehavior
    package let metrics: TemplateMetrics
    /// `$stageVariables`: the variant's merged over the endpoint's, converted once for all the variant's renders.
    package let preparedStageVariables: TemplateStageVariables
    /// `$stageVariables` by name.
    package var stageVariables: [String: String] { preparedStageVariables.values }
    private let request: [String: Resolved]
    private let response: [String: Resolved]
    /// The media types with a response template, sorted (for `*/*` and `type/*` in `Accept`).
    private let responseTypes: [String]

    /// A template chosen for a render.
    package struct Resolved: Sendable {
        package let key: TemplateKey
        package let template: MappingTemplate
        /// `gateway.conf` file or `stored version N`, for error messages.
        package let origin: String
        package let outputContentType: String?
    }

    package init(
        endpoint: EndpointConfiguration, variant: VariantConfiguration, stored: StoredTemplates,
        passthrough: PassthroughBehavior, metrics: TemplateMetrics
    ) {
        self.passthrough = passthrough
        self.metrics = metrics
        self.preparedStageVariables = TemplateStageVariables(
            endpoint.templates.stageVariables.merging(variant.templates.stageVariables) { $1 })
        func table(_ direction: TemplateDirection) -> [String: Resolved] {
            var types = Set(endpoint.templates.templates(direction).keys)
                .union(variant.templates.templates(direction).keys)
            for name in [variant.name, ""] {
                let key = StoredTemplates.ScopeKey(endpoint: endpoint.name, variant: name, direction: direction)
                types.formUnion(stored.contentTypes[key] ?? [])
            }
            var table: [String: Resolved] = [:]
            for type in types {
                table[type] =
                    Self.resolve(direction, type, endpoint.name, variant: variant.name, variant.templates, stored)
                    ?? Self.resolve(direction, type, endpoint.name, variant: "", endpoint.templates, stored)
            }
            return table
        }
        self.request = table(.request)
        self.response = table(.response)
        self.responseTypes = response.keys.sorted()
    }

    /// The template of one level for a normalized media type: the variant's (`variant` is its name) or the
    /// endpoint's (`variant` is empty).
    private static func resolve(
        _ direction: TemplateDirection, _ contentType: String, _ endpoint: String, variant: String,
        _ configuration: TemplateConfiguration, _ stored: StoredTemplates
    ) -> Resolved? {
        let key = TemplateKey(endpoint: endpoint, variant: variant, direction: direction, contentType: contentType)
        let file = configuration.templates(direction)[key.contentType]
        if let stored = stored.templates[key] {
            // Legalized as a header value: a row written around the store's checks cannot inject a header.
            let output = (stored.version.outputContentType ?? file?.outputContentType).map {
                HTTPField(name: .contentType, value: $0).value
            }
            return Resolved(
                key: key, template: stored.template, origin: "stored version \(stored.version.version)",
                outputContentType: output)
        }
        guard let file else { return nil }
        return Resolved(key: key, template: file.template, origin: file.path, outputContentType: file.outputContentType)
    }

    /// Whether any request template applies to this variant.
    package var hasRequestTemplates: Bool { !request.isEmpty }

    /// The request template for a request's `Content-Type`.
    package func requestTemplate(contentType: String?) -> Resolved? {
        request[Self.requestMediaType(contentType)]
    }

    /// The media type that selects a request template: the normalized `Content-Type`, `application/json` when it is
    /// absent or empty.
    package static func requestMediaType(_ contentType: String?) -> String {
        let normalized = contentType.map(MediaType.normalize) ?? ""
        return normalized.isEmpty ? "application/json" : normalized
    }

    /// The response template for a request's `Accept` (absent or empty: `application/json`): the first media range,
    /// by quality, that has a template; `*/*` prefers `application/json`, then the first media type by name;
    /// `type/*` takes the first media type of that type by name.
    package func responseTemplate(accept: String?) -> Resolved? {
        guard !response.isEmpty else { return nil }
        var ranges = accept.map(MediaType.acceptRanges) ?? []
        if ranges.isEmpty { ranges = ["application/json"] }
        for range in ranges {
            guard range.hasSuffix("/*") else {
                if let resolved = response[range] { return resolved }
                continue
            }
            if range == "*/*" {
                return response["application/json"] ?? responseTypes.first.flatMap { response[$0] }
            }
            let prefix = range.dropLast()
            if let type = responseTypes.first(where: { $0.hasPrefix(prefix) }) { return response[type] }
        }
        return nil
    }
}
