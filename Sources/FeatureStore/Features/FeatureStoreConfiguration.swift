/// Settings of the online feature store (`[feature_store]`).
public struct FeatureStoreConfiguration: Sendable {
    /// What a lookup does when Redis fails (`on_error`).
    public enum OnError: String, Sendable, CaseIterable {
        /// Serve stale cached values (up to ``FeatureStoreConfiguration/maxStaleness``), then the view's defaults,
        /// else fail.
        case stale
        /// Serve the view's defaults, else fail.
        case `default`
        /// Fail the lookup (the gateway answers 503).
        case fail
    }

    /// How features are laid out in Redis (`layout`).
    public enum Layout: Sendable, Hashable {
        /// mlgateway's own: one hash `{key_prefix}:{view}:{entity}` per view and entity, values as text, `_ts` in
        /// Unix milliseconds (written by `mlgateway features load`).
        case native
        /// What Feast's Redis online store writes (`feast materialize`): one hash per entity key and project, one
        /// field per feature named by the murmur3 hash of `view:feature`, values as `feast.types.Value`
        /// messages, `_ts:<view>` as a `google.protobuf.Timestamp`.
        case feast(project: String, entityKeySerializationVersion: Int)
    }

    /// How features are laid out in Redis (`layout`, with `project` and `entity_key_serialization_version` for
    /// Feast).
    public var layout: Layout = .native
    /// The Feast repository read for `feast_repo`, whose registry supplies the feature views.
    public var feastRepository: FeastRepository?
    /// The Redis endpoint (`redis`).
    public var redis: RedisURL
    /// Prefix of every key (`key_prefix`): keys are `{prefix}:{view}:{entity}`.
    public var keyPrefix: String
    /// Most entries the in-process cache holds (`cache_entries`); 0 disables caching.
    public var cacheEntries: Int
    /// Behaviour on Redis failure (`on_error`).
    public var onError: OnError
    /// How long past its cache TTL a cached entry may still be served on Redis failure (`max_staleness`).
    public var maxStaleness: Duration
    /// Redis connections at most (`pool_size`).
    public var poolSize: Int
    /// Time allowed to connect to Redis (`connect_timeout`).
    public var connectTimeout: Duration
    /// Time allowed for a Redis reply (`command_timeout`).
    public var commandTimeout: Duration
    /// The most time one request waits for its feature reads (`lookup_budget`); past it the lookups still
    /// unanswered are served as on a Redis failure (`on_error`), while their reads go on and fill the cache.
    public var lookupBudget: Duration = .milliseconds(250)

    /// Creates settings; the defaults are those of the configuration reference.
    public init(
        redis: RedisURL, keyPrefix: String = "mlgw", cacheEntries: Int = 100_000, onError: OnError = .stale,
        maxStaleness: Duration = .seconds(600), poolSize: Int = 2, connectTimeout: Duration = .seconds(1),
        commandTimeout: Duration = .seconds(1)
    ) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.cacheEntries = cacheEntries
        self.onError = onError
        self.maxStaleness = maxStaleness
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// The Redis client settings these imply.
    public var redisClientConfiguration: RedisClient.Configuration {
        RedisClient.Configuration(
            url: redis, poolSize: poolSize, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
    }

    /// The Redis key of `entity` in `view`: `{prefix}:{view}:{entity}`.
    public func key(view: String, entity: String) -> String {
        "\(keyPrefix):\(view):\(entity)"
    }
}
