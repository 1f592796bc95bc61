/// One enrichment of an endpoint (`[[endpoint.enrich]]`): which view, where its entity key is, where features go.
public struct EnrichmentRule: Sendable, Hashable {
    /// The feature view to read.
    public let view: String
    /// The entity key parts in the view's declared order (one unless the key is composite).
    public let keys: [EntityKeySource]
    /// Where a JSON body receives the features object; member names only, created when absent.
    public let into: JSONPath

    /// Creates a rule from configuration text: `keys` as `$.path`, `header:NAME`, `query:NAME` or `csv:COLUMN`;
    /// `into` defaults to `$.features.<view>`.
    public init(view: String, keys: [String], into: String? = nil) throws(FeatureStoreError) {
        guard !keys.isEmpty else { throw .invalidConfiguration("enrichment of view '\(view)' needs a key") }
        var sources: [EntityKeySource] = []
        for key in keys { sources.append(try EntityKeySource(parsing: key)) }
        let target = try JSONPath(parsing: into ?? "$.features.\(view)")
        guard let names = target.keys, !names.isEmpty else {
            throw .invalidConfiguration("enrichment of view '\(view)': into '\(target)' must be $.name[.name…]")
        }
        self.view = view
        self.keys = sources
        self.into = target
    }

    /// Creates a rule with a single entity key.
    public init(view: String, key: String, into: String? = nil) throws(FeatureStoreError) {
        try self.init(view: view, keys: [key], into: into)
    }
}
