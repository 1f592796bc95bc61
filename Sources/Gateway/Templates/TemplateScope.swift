import MappingTemplates

/// The templates that apply to one endpoint variant, merged from the configuration and the store.
///
/// Lookup order for a media type: the variant's stored template, the variant's `gateway.conf` template, the
/// endpoint's stored template, the endpoint's `gateway.conf` template. A stored template's `output_content_type`
/// falls back to the `gateway.conf` template of the same key.
struct TemplateScope: Sendable {
    let endpoint: EndpointConfiguration
    let variant: VariantConfiguration
    let stored: StoredTemplates
    let passthrough: PassthroughBehavior
    let metrics: TemplateMetrics

    /// A template chosen for a render.
    struct Resolved: Sendable {
        let key: TemplateKey
        let template: MappingTemplate
        /// `gateway.conf` file or `stored version N`, for error messages.
        let origin: String
        let outputContentType: String?
    }

    /// The template for `contentType` (normalized), most specific first.
    func template(_ direction: TemplateDirection, for contentType: String) -> Resolved? {
        template(direction, for: contentType, variant: variant.name, file: variant.templates)
            ?? template(direction, for: contentType, variant: "", file: endpoint.templates)
    }

    /// The template of one level: the variant's (`variant` is its name) or the endpoint's (`variant` is empty).
    private func template(
        _ direction: TemplateDirection, for contentType: String, variant: String, file configuration: TemplateConfiguration
    ) -> Resolved? {
        let key = TemplateKey(endpoint: endpoint.name, variant: variant, direction: direction, contentType: contentType)
        let file = configuration.templates(direction)[key.contentType]
        if let stored = stored.templates[key] {
            return Resolved(
                key: key, template: stored.template, origin: "stored version \(stored.version.version)",
                outputContentType: stored.version.outputContentType ?? file?.outputContentType)
        }
        guard let file else { return nil }
        return Resolved(key: key, template: file.template, origin: file.path, outputContentType: file.outputContentType)
    }

    /// The media types that have a template in `direction`, sorted.
    func contentTypes(_ direction: TemplateDirection) -> [String] {
        var types = Set(endpoint.templates.templates(direction).keys).union(variant.templates.templates(direction).keys)
        for name in [variant.name, ""] {
            let key = StoredTemplates.ScopeKey(endpoint: endpoint.name, variant: name, direction: direction)
            types.formUnion(stored.contentTypes[key] ?? [])
        }
        return types.sorted()
    }

    /// The request template for a request's `Content-Type` (absent: `application/json`).
    func requestTemplate(contentType: String?) -> Resolved? {
        template(.request, for: MediaType.normalize(contentType ?? "application/json"))
    }

    /// The response template for a request's `Accept` (absent or empty: `application/json`): the first media range,
    /// by quality, that has a template; `*/*` prefers `application/json`, then the first media type by name;
    /// `type/*` takes the first media type of that type by name.
    func responseTemplate(accept: String?) -> Resolved? {
        var ranges = accept.map(MediaType.acceptRanges) ?? []
        if ranges.isEmpty { ranges = ["application/json"] }
        var available: [String]?
        for range in ranges {
            if !range.hasSuffix("/*") {
                if let resolved = template(.response, for: range) { return resolved }
                continue
            }
            let types = available ?? contentTypes(.response)
            available = types
            let candidates: [String]
            if range == "*/*" {
                candidates = types.contains("application/json") ? ["application/json"] + types : types
            } else {
                let prefix = range.dropLast()
                candidates = types.filter { $0.hasPrefix(prefix) }
            }
            for candidate in candidates {
                if let resolved = template(.response, for: candidate) { return resolved }
            }
        }
        return nil
    }

    /// `$stageVariables`: the variant's merged over the endpoint's.
    var stageVariables: [String: String] {
        endpoint.templates.stageVariables.merging(variant.templates.stageVariables) { _, variant in variant }
    }
}
