/// The features of one entity in one view, as served to a request.
public struct FeatureLookup: Sendable, Hashable {
    /// Where the values came from.
    public enum Source: String, Sendable, Hashable {
        /// The in-process cache, within the view's TTL.
        case cache
        /// A Redis read.
        case redis
        /// The cache past its TTL, because Redis failed (`on_error = "stale"`).
        case stale
        /// The view's defaults: the entity key was missing, the entity was absent or too old, or Redis failed.
        case `default`
    }

    /// The view's name.
    public let view: String
    /// The entity value (composite parts joined with `|`), or `nil` when the request had no entity key.
    public let entity: String?
    /// Feature names in view order.
    public let features: [String]
    /// Values in view order; `nil` for a missing feature without a default.
    public let values: [String?]
    /// Where the values came from.
    public let source: Source
    /// The values' kinds when the layout stores typed values (Feast); nil when every value is text.
    public let kinds: [FeatureValueKind]?

    /// Creates a lookup result.
    public init(
        view: String, entity: String?, features: [String], values: [String?], source: Source,
        kinds: [FeatureValueKind]? = nil
    ) {
        self.view = view
        self.entity = entity
        self.features = features
        self.values = values
        self.source = source
        self.kinds = kinds
    }

    /// The kind of the value at `index`.
    public func kind(at index: Int) -> FeatureValueKind {
        kinds?[index] ?? .text
    }

    /// The value of `feature`, if present.
    public subscript(feature: String) -> String? {
        guard let index = features.firstIndex(of: feature) else { return nil }
        return values[index]
    }

    /// The present values by feature name (for templates: `$features.<view>.<feature>`).
    public var dictionary: [String: String] {
        var result: [String: String] = [:]
        result.reserveCapacity(features.count)
        for (name, value) in zip(features, values) {
            if let value { result[name] = value }
        }
        return result
    }
}
