import Foundation

/// A template as admins see it: where it comes from and which version applies.
public struct TemplateSummary: Sendable, Hashable, Codable {
    /// The endpoint.
    public var endpoint: String
    /// The variant, `""` for the whole endpoint.
    public var variant: String
    /// `request` or `response`.
    public var direction: TemplateDirection
    /// The media type it is selected by.
    public var contentType: String
    /// `stored` (SQLite, admin API or CLI) or `file` (`gateway.conf`).
    public var origin: String
    /// The stored version that applies (`nil` for a file template).
    public var version: Int?
    /// The latest stored version number, deletions included (0 = never stored); `If-Match` compares with it.
    public var latestVersion: Int
    /// SHA-256 of the text.
    public var hash: String
    /// Who stored it (stored templates).
    public var author: String?
    /// When it was stored (stored templates).
    public var updatedAt: Date?
    /// The `gateway.conf` file of the key, if one is declared (overridden when ``origin`` is `stored`).
    public var file: String?
    /// For request templates: the `Content-Type` the model receives.
    public var outputContentType: String?
    /// The template text (only when one template is asked for).
    public var source: String?

    /// The key.
    public var key: TemplateKey {
        TemplateKey(endpoint: endpoint, variant: variant, direction: direction, contentType: contentType)
    }
}

/// Merges `gateway.conf` templates and stored versions into what applies, by the precedence rule: a key's latest
/// stored version applies when it is live; otherwise (never stored, or deleted) its `gateway.conf` template does.
public enum TemplateCatalog {
    /// Every template that applies, ordered by endpoint (file order), variant, direction and media type.
    public static func list(
        configuration: GatewayConfiguration, live: [TemplateVersion], latestVersions: [TemplateKey: Int] = [:]
    )
        -> [TemplateSummary]
    {
        var summaries: [TemplateKey: TemplateSummary] = [:]
        for endpoint in configuration.endpoints {
            let levels = [("", endpoint.templates)] + endpoint.variants.map { ($0.name, $0.templates) }
            for (variant, templates) in levels {
                for direction in TemplateDirection.allCases {
                    for (contentType, file) in templates.templates(direction) {
                        let key = TemplateKey(
                            endpoint: endpoint.name, variant: variant, direction: direction, contentType: contentType)
                        summaries[key] = summary(file: file, key: key, latestVersion: latestVersions[key] ?? 0)
                    }
                }
            }
        }
        for version in live {
            let file = version.key.fileTemplate(in: configuration)
            summaries[version.key] = summary(stored: version, file: file)
        }
        let order = Dictionary(
            configuration.endpoints.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        return summaries.values.sorted { lhs, rhs in
            let left = (
                order[lhs.endpoint] ?? Int.max, lhs.endpoint, lhs.variant, lhs.direction.rawValue, lhs.contentType
            )
            let right = (
                order[rhs.endpoint] ?? Int.max, rhs.endpoint, rhs.variant, rhs.direction.rawValue, rhs.contentType
            )
            return left < right
        }
    }

    /// The template of `key` that applies, with its text, given the key's stored history (oldest first).
    public static func effective(_ key: TemplateKey, configuration: GatewayConfiguration, history: [TemplateVersion])
        -> TemplateSummary?
    {
        let file = key.fileTemplate(in: configuration)
        if let latest = history.last, latest.isLive {
            var summary = summary(stored: latest, file: file)
            summary.source = latest.source
            return summary
        }
        guard let file else { return nil }
        var summary = summary(file: file, key: key, latestVersion: history.last?.version ?? 0)
        summary.source = file.source
        return summary
    }

    package static func summary(stored version: TemplateVersion, file: FileTemplate?) -> TemplateSummary {
        TemplateSummary(
            endpoint: version.key.endpoint, variant: version.key.variant, direction: version.key.direction,
            contentType: version.key.contentType, origin: "stored", version: version.version,
            latestVersion: version.version,
            hash: version.hash ?? "", author: version.author, updatedAt: version.createdAt, file: file?.path,
            outputContentType: version.outputContentType ?? file?.outputContentType)
    }

    package static func summary(file: FileTemplate, key: TemplateKey, latestVersion: Int) -> TemplateSummary {
        TemplateSummary(
            endpoint: key.endpoint, variant: key.variant, direction: key.direction, contentType: key.contentType,
            origin: "file", version: nil, latestVersion: latestVersion, hash: TemplateStore.hash(file.source),
            author: nil,
            updatedAt: nil, file: file.path, outputContentType: file.outputContentType)
    }
}
