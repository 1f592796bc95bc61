import FeatureStore

/// Where API keys' rate limits and quotas are counted (`[rate_limit]`). Absent, each process counts in its own
/// memory; with `redis`, every gateway using that Redis shares exact counters (ADR 0021).
public struct RateLimitConfiguration: Sendable, Equatable {
    /// The Redis that keeps the counters (`redis`).
    public var redis: RedisURL
    /// Prefix of the counters' keys (`key_prefix`, default `mlgw`): `{prefix}:rl:{key id}`.
    public var keyPrefix = "mlgw"
    /// Time allowed for Redis's answer before the request is allowed unchecked (`command_timeout`, default 250 ms).
    public var commandTimeout: Duration = .milliseconds(250)
    /// Time allowed to connect (`connect_timeout`, default 1 s).
    public var connectTimeout: Duration = .seconds(1)

    public init(redis: RedisURL) {
        self.redis = redis
    }

    /// The Redis client settings.
    package var redisClientConfiguration: RedisClient.Configuration {
        RedisClient.Configuration(
            url: redis, poolSize: 2, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
    }
}

extension RateLimitConfiguration {
    /// Reads `[rate_limit]`.
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        let text = try table.requiredString("redis")
        do {
            self.init(redis: try RedisURL(parsing: text))
        } catch {
            throw table.error("redis", error.description)
        }
        if let prefix = try table.string("key_prefix") {
            guard !prefix.isEmpty, !prefix.contains(":") else {
                throw table.error("key_prefix", "must be non-empty and contain no ':'")
            }
            keyPrefix = prefix
        }
        if let timeout = try table.positiveDuration("command_timeout") { commandTimeout = timeout }
        if let timeout = try table.positiveDuration("connect_timeout") { connectTimeout = timeout }
    }
}
