import FeatureStore
import Foundation
import GatewayAuth
import Logging
import PostgresState
import Synchronization

/// The API keys in force: the ``KeyStore`` (in `state_dir`, or in the fleet's PostgreSQL with `[state]`), the
/// in-memory ``Authenticator`` over it and the per-key ``RateLimiter``.
///
/// The store is opened on first use (at start when an endpoint needs credentials, else by the first admin call or
/// request that needs it), so a gateway without authentication creates no key tables. Requests never read the
/// database: ``run()`` keeps the authenticator's snapshot current, reloading it as soon as PostgreSQL notifies a
/// change and after every reconnection.
public final class KeyRegistry: Sendable {
    /// The store and the authenticator over it.
    package struct Opened: Sendable {
        package let store: KeyStore
        package let authenticator: Authenticator
    }

    /// Where `mlgateway.sqlite` lives.
    public let stateDirectory: URL
    /// The fleet's shared state store, when keys live in PostgreSQL.
    private let stateStore: PostgresStateStore?
    /// The saved quota counts of the in-memory limiter, opened with the keys.
    private let quotaUsage = Mutex<QuotaUsageStore?>(nil)
    /// Rate limits and quotas of every key: counters in this process's memory, or in Redis (`[rate_limit]`).
    package let rateLimiter: RateLimiter
    /// The Redis store of the counters, when `[rate_limit]` configures one (closed by ``shutdown()``).
    private let redisStore: RedisRateLimitStore?
    /// The in-memory store otherwise, whose quota counts are saved in `state_dir` (``saveQuotaUsage()``).
    private let memoryStore: InMemoryRateLimitStore?
    package let logger: Logger
    private let opened = Mutex<Opened?>(nil)
    private let openings: AsyncStream<Authenticator>
    private let announce: AsyncStream<Authenticator>.Continuation

    /// Creates a registry for the keys in `state` (else in `stateDirectory`), counting limits as `rateLimit` says.
    public init(
        stateDirectory: URL, stateStore: PostgresStateStore? = nil, rateLimit: RateLimitConfiguration? = nil,
        logger: Logger
    ) {
        self.stateDirectory = stateDirectory
        self.stateStore = stateStore
        self.logger = logger
        if let rateLimit {
            var redisLogger = logger
            redisLogger[metadataKey: "component"] = "rate_limit"
            let store = RedisRateLimitStore(
                redis: RedisClient(configuration: rateLimit.redisClientConfiguration, logger: redisLogger),
                keyPrefix: rateLimit.keyPrefix, logger: redisLogger)
            redisStore = store
            memoryStore = nil
            rateLimiter = RateLimiter(store: store)
        } else {
            let store = InMemoryRateLimitStore()
            redisStore = nil
            memoryStore = store
            rateLimiter = RateLimiter(store: store)
        }
        (openings, announce) = AsyncStream.makeStream(of: Authenticator.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The store and authenticator, opened on first use with the master key of `configuration`
    /// (`MLGATEWAY_MASTER_KEY`, else `master_key_file`; see ``loadMasterKey(_:)``).
    package func open(_ configuration: AuthConfiguration) throws(KeyStoreError) -> Opened {
        try opened.withLock { (opened: inout Opened?) throws(KeyStoreError) -> Opened in
            if let opened { return opened }
            let masterKey = loadMasterKey(configuration)
            let store =
                if let stateStore {
                    KeyStore(postgres: stateStore, masterKey: masterKey)
                } else {
                    try KeyStore(stateDirectory: stateDirectory, masterKey: masterKey)
                }
            var authLogger = logger
            authLogger[metadataKey: "component"] = "auth"
            let new = Opened(
                store: store,
                authenticator: Authenticator(
                    store: store, pollInterval: stateStore == nil ? .milliseconds(250) : Self.resyncInterval,
                    logger: authLogger))
            restoreQuotaUsage()
            opened = new
            announce.yield(new.authenticator)
            announce.finish()
            logger.info(
                "API key store opened",
                metadata: [
                    "database":
                        "\(stateStore?.location.redacted ?? stateDirectory.appendingPathComponent(KeyStore.fileName).path)",
                    "master_key": "\(masterKey == nil ? "absent" : "present")",
                ])
            return new
        }
    }

    /// The master key, or nil when it is not configured or cannot be read: API keys work without it, SigV4 keys
    /// then answer 500 `InternalFailure` until the gateway restarts with a readable one.
    private func loadMasterKey(_ configuration: AuthConfiguration) -> MasterKey? {
        do {
            return try MasterKey.load(file: configuration.masterKeyFile?.path)
        } catch {
            logger.warning(
                "SigV4 keys cannot be verified: the master key is unavailable (create it with: openssl rand -base64 32)",
                metadata: ["error": "\(error.description)"])
            return nil
        }
    }

    /// The authenticator for a request, or 500 `InternalFailure` when the key database cannot be opened.
    package func authenticator(_ configuration: AuthConfiguration) throws(GatewayError) -> Authenticator {
        do {
            return try open(configuration).authenticator
        } catch {
            logger.error("Cannot open the API key database", metadata: ["error": "\(error.description)"])
            throw GatewayError.internalFailure("The gateway cannot check credentials: its key database is unavailable.")
        }
    }

    /// Reloads the authenticator's snapshot now if the store changed (after a write through the admin API).
    package func refresh() async {
        guard let authenticator = opened.withLock({ $0?.authenticator }) else { return }
        do {
            try await authenticator.refreshIfChanged()
        } catch {
            logger.warning("Reloading API keys failed", metadata: ["error": "\(error.description)"])
        }
    }

    /// How often a replica rereads the keys' revision in PostgreSQL besides the notifications, in case one was lost.
    static let resyncInterval = Duration.seconds(5)

    /// Seeds the in-memory limiter with the quota counts saved by the last run.
    private func restoreQuotaUsage() {
        guard let memoryStore else { return }
        do {
            let store = try QuotaUsageStore(stateDirectory: stateDirectory)
            quotaUsage.withLock { $0 = store }
            memoryStore.restore(try store.load())
        } catch {
            logger.warning(
                "Quota counts of the last run cannot be read; quotas count from zero",
                metadata: ["error": "\(error.description)"])
        }
    }

    /// Saves the quota counts that changed since the last save in `state_dir` (in-memory limits), so that a restart
    /// goes on counting where this run stopped. Called every second and once at shutdown.
    package func saveQuotaUsage() {
        guard let memoryStore, let store = quotaUsage.withLock({ $0 }) else { return }
        let changed = memoryStore.takeChangedQuotas()
        do {
            try store.save(changed)
        } catch {
            memoryStore.markChanged(changed.keys)
            logger.warning("Saving quota counts failed; retrying", metadata: ["error": "\(error.description)"])
        }
    }

    /// Closes the rate limits' Redis connections, if any.
    package func shutdown() async {
        await redisStore?.shutdown()
    }

    /// Whether the keys are loaded (true when no store was opened: nothing needs them yet).
    package var isLoaded: Bool { opened.withLock { $0?.authenticator }?.isLoaded ?? true }

    /// Waits until the store is opened, then keeps the keys current until cancelled: polling its revision, and on
    /// PostgreSQL also reloading on every notified change and after every reconnection.
    package func run() async {
        for await authenticator in openings {
            await withDiscardingTaskGroup { group in
                group.addTask { await authenticator.run() }
                if let stateStore {
                    let logger = logger
                    group.addTask {
                        for await change in stateStore.changes()
                        where change == .resynchronize || change == .changed(topic: KeyStore.topic) {
                            do {
                                try await authenticator.refreshIfChanged()
                            } catch {
                                logger.warning("Reloading API keys failed", metadata: ["error": "\(error)"])
                            }
                        }
                    }
                }
            }
            return
        }
    }
}
