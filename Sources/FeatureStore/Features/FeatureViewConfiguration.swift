/// One feature view (`[[feature_view]]`): a named group of features stored per entity.
public struct FeatureViewConfiguration: Sendable, Hashable {
    /// How the cache is filled before the gateway reports ready (`warmup`).
    public struct Warmup: Sendable, Hashable {
        /// Where the hot entities come from.
        public enum Source: Sendable, Hashable {
            /// A text file with one entity per line (`keys_file`); composite entities are written joined by `|`.
            case keysFile(String)
            /// A `SCAN` of the view's keys, up to this many (`scan_limit`).
            case scan(limit: Int)
        }

        /// Where the hot entities come from.
        public var source: Source
        /// When warm-up gives up and the gateway reports ready anyway (`deadline`).
        public var deadline: Duration

        /// Creates warm-up settings.
        public init(source: Source, deadline: Duration = .seconds(30)) {
            self.source = source
            self.deadline = deadline
        }
    }

    /// The view's name (`name`), used in keys, metrics (`view` label) and templates (`$features.<name>`).
    public var name: String
    /// Feature names in order (`features`): the order of CSV columns appended to rows.
    public var features: [String]
    /// Names of the entity key parts (`entity_keys`); several for a composite key, joined with `|` in this order.
    public var entityKeys: [String]
    /// The types of the entity key parts, in `entityKeys` order, for the Feast layout, which serializes them by type
    /// (`join_key_types`, or the registry's; string when not given). The native layout ignores them.
    public var entityKeyTypes: [FeastKeyType]
    /// How long a value read from Redis is served from the cache (`cache_ttl`).
    public var cacheTTL: Duration
    /// Values whose `_ts` is older than this count as missing (`max_age`); `nil` accepts any age.
    public var maxAge: Duration?
    /// Values used for missing features, missing entities and, per `on_error`, Redis failures (`defaults`).
    public var defaults: [String: String]
    /// Cache warm-up at start (`warmup`).
    public var warmup: Warmup?

    /// Creates a view.
    public init(
        name: String, features: [String], entityKeys: [String]? = nil, cacheTTL: Duration = .seconds(30),
        maxAge: Duration? = nil, defaults: [String: String] = [:], warmup: Warmup? = nil
    ) {
        self.name = name
        self.features = features
        self.entityKeys = entityKeys ?? [name]
        self.entityKeyTypes = Array(repeating: .string, count: self.entityKeys.count)
        self.cacheTTL = cacheTTL
        self.maxAge = maxAge
        self.defaults = defaults
        self.warmup = warmup
    }

    /// Whether defaults are configured.
    public var hasDefaults: Bool { !defaults.isEmpty }

    /// The entity value of a composite key: the parts joined with `|` in declared order.
    public static func entity(joining parts: [String]) -> String {
        parts.joined(separator: "|")
    }

    /// Checks the view: a name without `:`, at least one feature, no duplicate or reserved (`_ts`) feature names,
    /// defaults only for declared features.
    public func validate() throws(FeatureStoreError) {
        func invalid(_ reason: String) -> FeatureStoreError {
            .invalidConfiguration("feature view '\(name)': \(reason)")
        }
        if name.isEmpty || name.contains(":") { throw invalid("name must be non-empty and contain no ':'") }
        if features.isEmpty { throw invalid("features must list at least one feature") }
        if Set(features).count != features.count { throw invalid("features contains a duplicate name") }
        if features.contains(FeatureRecord.timestampField) { throw invalid("'_ts' is reserved for the event time") }
        if entityKeys.isEmpty { throw invalid("entity_keys must name at least one key") }
        if entityKeyTypes.count != entityKeys.count {
            throw invalid("has \(entityKeyTypes.count) entity key type(s) for \(entityKeys.count) entity key(s)")
        }
        if let unknown = defaults.keys.sorted().first(where: { !features.contains($0) }) {
            throw invalid("defaults name '\(unknown)', which is not one of its features")
        }
        if cacheTTL < .zero { throw invalid("cache_ttl must not be negative") }
        if case .scan(let limit)? = warmup?.source, limit < 0 {
            throw invalid("warmup scan_limit must not be negative")
        }
    }
}
