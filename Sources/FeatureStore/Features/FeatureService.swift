import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Serves feature lookups from an in-process cache in front of Redis.
///
/// - The cache is bounded (`cache_entries`, CLOCK eviction) and entries are fresh for their view's `cache_ttl`.
/// - Concurrent misses for the same entity share one Redis read (single flight); reads of concurrent requests are
///   pipelined on a few connections.
/// - A value whose `_ts` is older than the view's `max_age` counts as missing.
/// - On Redis failure the `on_error` policy serves stale cached values, then defaults, or throws
///   ``FeatureStoreError/redisUnavailable(view:entity:reason:)``.
public final class FeatureService: Sendable {
    struct CacheKey: Hashable, Sendable {
        let view: Int
        let entity: String
    }

    struct CacheEntry: Sendable {
        let record: FeatureRecord
        let fetchedAt: ContinuousClock.Instant
    }

    struct View: Sendable {
        let index: Int
        let configuration: FeatureViewConfiguration
        let metrics: FeatureMetrics
        let defaultValues: [String?]
        let reader: ViewReader

        /// Whether `entry` is still within the view's `cache_ttl` at `now`, so that it is served without a read.
        func isFresh(_ entry: CacheEntry, now: ContinuousClock.Instant) -> Bool {
            now < entry.fetchedAt + configuration.cacheTTL
        }
    }

    /// The store settings.
    public let configuration: FeatureStoreConfiguration
    /// The Redis client (shared with the loader if wanted).
    public let redis: RedisClient
    let viewsByName: [String: View]
    let views: [View]
    let clock: FeatureClock
    let logger: Logger
    let cache: Locked<ClockCache<CacheKey, CacheEntry>>
    /// The requests waiting for each Redis read in flight, by a number of their own (single flight).
    let inFlight = Locked<[CacheKey: [UInt64: CheckedContinuation<FeatureRecord, any Error>]]>([:])
    private let nextWaiter = Atomic<UInt64>(0)
    let warmup: Locked<WarmupState>

    /// Creates the service; nothing connects until the first lookup or warm-up.
    public convenience init(
        configuration: FeatureStoreConfiguration, views: [FeatureViewConfiguration],
        eventLoopGroup: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "mlgateway.features")
    ) throws(FeatureStoreError) {
        let client = RedisClient(
            configuration: configuration.redisClientConfiguration, eventLoopGroup: eventLoopGroup, logger: logger)
        try self.init(configuration: configuration, views: views, redis: client, clock: .system, logger: logger)
    }

    init(
        configuration: FeatureStoreConfiguration, views: [FeatureViewConfiguration], redis: RedisClient,
        clock: FeatureClock, logger: Logger
    ) throws(FeatureStoreError) {
        var byName: [String: View] = [:]
        var list: [View] = []
        for (index, view) in views.enumerated() {
            try view.validate()
            guard byName[view.name] == nil else {
                throw .invalidConfiguration("feature view '\(view.name)' is declared twice")
            }
            let reader = ViewReader(store: configuration, view: view)
            if reader.isFeast, case .scan = view.warmup?.source {
                throw .invalidConfiguration(
                    "feature view '\(view.name)': warmup scan_limit needs the native layout; use keys_file")
            }
            let entry = View(
                index: index, configuration: view, metrics: FeatureMetrics(view: view.name),
                defaultValues: view.features.map { view.defaults[$0] }, reader: reader)
            byName[view.name] = entry
            list.append(entry)
        }
        self.configuration = configuration
        self.redis = redis
        self.viewsByName = byName
        self.views = list
        self.clock = clock
        self.logger = logger
        self.cache = Locked(ClockCache(capacity: configuration.cacheEntries))
        self.warmup = Locked(WarmupState(isWarm: views.allSatisfy { $0.warmup == nil }))
    }

    /// The configured views' names, in declared order.
    public var viewNames: [String] { views.map(\.configuration.name) }

    /// The configuration of view `name`, if configured.
    public func view(named name: String) -> FeatureViewConfiguration? {
        viewsByName[name]?.configuration
    }

    /// The features of `entity` (composite parts joined with `|`) in `view`. With a `deadline`, a read from Redis
    /// not answered by then is served as a Redis failure (``FeatureStoreConfiguration/lookupBudget``); the read
    /// goes on and fills the cache.
    public func lookup(
        view name: String, entity: String, deadline: ContinuousClock.Instant? = nil
    ) async throws(FeatureStoreError) -> FeatureLookup {
        guard let view = viewsByName[name] else { throw .unknownView(name) }
        let key = CacheKey(view: view.index, entity: entity)
        let now = clock.now()
        let cached = cache.withLock { $0.get(key) }
        if let cached, view.isFresh(cached, now: now) {
            view.metrics.cacheHits.increment()
            return resolve(cached.record, view: view, entity: entity, source: .cache)
        }
        view.metrics.cacheMisses.increment()
        let redisKey = try view.reader.key(entity: entity)
        do {
            let record = try await read(key: key, redisKey: redisKey, view: view, deadline: deadline)
            return resolve(record, view: view, entity: entity, source: .redis)
        } catch {
            return try fallback(view: view, entity: entity, cached: cached, now: now, error: error)
        }
    }

    /// The lookups of `wanted` (in order) when every one can be served at once: from a fresh cache entry, or the
    /// view's defaults for a nil entity. They are counted as ``lookup(view:entity:)`` counts them. Nil, counting
    /// nothing, when one of them has to be read from Redis: an invocation then waits for ``lookup(view:entity:)``,
    /// and serves on its event loop otherwise.
    public func cachedLookups(
        _ wanted: [(view: String, entity: String?)]
    ) throws(FeatureStoreError) -> [FeatureLookup]? {
        let now = clock.now()
        // Per wanted lookup: the view and the fresh record, nil for a view's defaults (no entity).
        var hits: [(view: View, record: FeatureRecord)?] = []
        hits.reserveCapacity(wanted.count)
        for (name, entity) in wanted {
            guard let view = viewsByName[name] else { throw .unknownView(name) }
            guard let entity else {
                hits.append(nil)
                continue
            }
            let cached = cache.withLock { $0.get(CacheKey(view: view.index, entity: entity)) }
            guard let cached, view.isFresh(cached, now: now) else { return nil }
            hits.append((view, cached.record))
        }
        var lookups: [FeatureLookup] = []
        lookups.reserveCapacity(wanted.count)
        for ((name, entity), hit) in zip(wanted, hits) {
            guard let entity, let hit else {
                lookups.append(try defaults(view: name))
                continue
            }
            hit.view.metrics.cacheHits.increment()
            lookups.append(resolve(hit.record, view: hit.view, entity: entity, source: .cache))
        }
        return lookups
    }

    /// The features of a composite entity given its parts in declared order.
    public func lookup(view name: String, entityParts: [String]) async throws(FeatureStoreError) -> FeatureLookup {
        try await lookup(view: name, entity: FeatureViewConfiguration.entity(joining: entityParts))
    }

    /// The view's defaults, for a request without an entity key (counted as defaults served).
    public func defaults(view name: String) throws(FeatureStoreError) -> FeatureLookup {
        guard let view = viewsByName[name] else { throw .unknownView(name) }
        view.metrics.defaults.increment()
        return FeatureLookup(
            view: name, entity: nil, features: view.configuration.features, values: view.defaultValues,
            source: .default)
    }

    /// Empties the cache.
    public func clearCache() {
        cache.withLock { $0.removeAll() }
    }

    /// Closes the Redis connections.
    public func shutdown() async {
        await redis.shutdown()
    }

    /// Reads `key` from Redis, sharing one read among concurrent callers, and caches the record; waits for it until
    /// `deadline` at most.
    ///
    /// The first caller starts the read as the only task of a miss; every caller, the first too, waits on a
    /// continuation that the read's end resumes, or the deadline's timer on an event loop, whichever comes first. A
    /// caller that stops waiting leaves the read to finish and fill the cache. (Awaiting the task itself would
    /// ignore the deadline: awaiting a task's value cannot be cancelled.)
    private func read(
        key: CacheKey, redisKey: [UInt8], view: View, deadline: ContinuousClock.Instant?
    ) async throws(RedisError) -> FeatureRecord {
        let waiter = nextWaiter.wrappingAdd(1, ordering: .relaxed).newValue
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let first = inFlight.withLock { reads in
                    defer { reads[key, default: [:]][waiter] = continuation }
                    return reads[key] == nil
                }
                if first {
                    Task { [self] in
                        let result: Result<FeatureRecord, any Error>
                        do {
                            let record = try await fetch(redisKey: redisKey, view: view)
                            cache.withLock { $0.set(key, CacheEntry(record: record, fetchedAt: clock.now())) }
                            result = .success(record)
                        } catch {
                            result = .failure(error)
                        }
                        let waiters = inFlight.withLock { $0.removeValue(forKey: key) } ?? [:]
                        for continuation in waiters.values { continuation.resume(with: result) }
                    }
                }
                if let deadline {
                    let remaining = Self.nanoseconds(deadline - ContinuousClock.now)
                    redis.group.any().scheduleTask(in: .nanoseconds(max(0, remaining))) { [self] in
                        let expired = inFlight.withLock { $0[key]?.removeValue(forKey: waiter) }
                        expired?.resume(throwing: RedisError.budgetSpent)
                    }
                }
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw RedisError.connectionError("\(error)")
        }
    }

    /// One `HMGET` of the view's features and event time.
    func fetch(redisKey: [UInt8], view: View) async throws(RedisError) -> FeatureRecord {
        let start = ContinuousClock.now
        do {
            let reply = try await redis.command(bytes: view.reader.command(key: redisKey))
            view.metrics.redisLatency.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - start))
            return try view.reader.record(reply)
        } catch {
            view.metrics.errors.increment()
            throw error
        }
    }

    /// Applies `max_age` and defaults to a record.
    func resolve(
        _ record: FeatureRecord, view: View, entity: String, source: FeatureLookup.Source
    ) -> FeatureLookup {
        let configuration = view.configuration
        if !record.exists || isTooOld(record, maxAge: configuration.maxAge) {
            if configuration.hasDefaults {
                view.metrics.defaults.increment()
                return FeatureLookup(
                    view: configuration.name, entity: entity, features: configuration.features,
                    values: view.defaultValues, source: .default)
            }
            return FeatureLookup(
                view: configuration.name, entity: entity, features: configuration.features,
                values: Array(repeating: nil, count: configuration.features.count), source: source)
        }
        var values = record.values
        var kinds = record.kinds
        if configuration.hasDefaults {
            for index in values.indices where values[index] == nil && view.defaultValues[index] != nil {
                values[index] = view.defaultValues[index]
                kinds?[index] = .text
            }
        }
        return FeatureLookup(
            view: configuration.name, entity: entity, features: configuration.features, values: values,
            source: source, kinds: kinds)
    }

    private func isTooOld(_ record: FeatureRecord, maxAge: Duration?) -> Bool {
        guard let maxAge, let timestamp = record.timestamp else { return false }
        let ageMilliseconds = clock.unixMilliseconds() - timestamp
        return ageMilliseconds > Self.milliseconds(maxAge)
    }

    /// What to serve when Redis failed, per `on_error`.
    private func fallback(
        view: View, entity: String, cached: CacheEntry?, now: ContinuousClock.Instant, error: RedisError
    ) throws(FeatureStoreError) -> FeatureLookup {
        let configuration = view.configuration
        logger.debug(
            "Feature read failed", metadata: ["view": "\(configuration.name)", "error": "\(error)"])
        if self.configuration.onError == .stale, let cached,
            now < cached.fetchedAt + configuration.cacheTTL + self.configuration.maxStaleness
        {
            view.metrics.stale.increment()
            return resolve(cached.record, view: view, entity: entity, source: .stale)
        }
        if self.configuration.onError != .fail, configuration.hasDefaults {
            view.metrics.defaults.increment()
            return FeatureLookup(
                view: configuration.name, entity: entity, features: configuration.features,
                values: view.defaultValues, source: .default)
        }
        throw .redisUnavailable(view: configuration.name, entity: entity, reason: error)
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}
