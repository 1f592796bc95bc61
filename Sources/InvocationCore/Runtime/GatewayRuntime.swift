import FeatureStore
import Foundation
import Logging
import ModelClient
import PostgresState
import Synchronization

/// Holds the configuration in force and swaps it atomically on reload.
///
/// A request takes the current ``GatewaySnapshot`` once, at its start, and keeps it to the end: a reload never
/// changes the rules under an in-flight request, and old snapshots go away with their last request.
public final class GatewayRuntime: Sendable {
    private let state: Mutex<GatewaySnapshot>
    /// Serialises reloads, so generations are never skipped or repeated.
    private let reloading = Mutex(())
    package let registry = BackendRegistry()
    /// How shadow variants' answers compare with production's, kept across reloads.
    package let shadowComparisons = ShadowComparisons()
    /// The online feature store, created from the configuration at start.
    package let features: FeatureService?
    /// Mapping templates stored in SQLite, over the configuration's.
    public let templates: TemplateRegistry
    /// API keys, opened on first use.
    public let keys: KeyRegistry
    /// The PostgreSQL database replicas share (`[state]`), if configured; else keys and templates stay in SQLite.
    public let stateStore: PostgresStateStore?
    /// Live drift windows of endpoints with `[endpoint.drift]`, kept across reloads.
    package let liveDrift: LiveDrift
    /// The `[notifications]` webhook, if configured (applies at start).
    package let notifier: WebhookNotifier?
    package let logger: Logger

    /// Creates the runtime with an initial configuration.
    public init(configuration: GatewayConfiguration, features: FeatureService?, logger: Logger)
        throws(ConfigurationError)
    {
        self.logger = logger
        self.features = features
        var stateLogger = logger
        stateLogger[metadataKey: "component"] = "state"
        let stateStore = configuration.state.map { PostgresStateStore(location: $0.postgres, logger: stateLogger) }
        self.stateStore = stateStore
        self.liveDrift = LiveDrift(logger: logger)
        self.notifier = configuration.notifications.map { WebhookNotifier(url: $0.webhook, logger: logger) }
        self.templates = TemplateRegistry(
            stateDirectory: configuration.server.stateDirectory, stateStore: stateStore, logger: logger)
        self.keys = KeyRegistry(
            stateDirectory: configuration.server.stateDirectory, stateStore: stateStore,
            rateLimit: configuration.rateLimit,
            logger: logger)
        let registry = self.registry
        self.state = Mutex(
            try GatewaySnapshot(
                configuration: configuration, registry: registry, features: features, generation: 1,
                shadowComparisons: shadowComparisons))
    }

    /// The snapshot in force.
    package var current: GatewaySnapshot { state.withLock { $0 } }

    /// The configuration in force.
    public var configuration: GatewayConfiguration { current.configuration }

    /// Whether `access_log` is on in the configuration in force; read per request without copying the snapshot.
    package var logsAccess: Bool { state.withLock { $0.configuration.server.accessLog } }

    /// The access log's form while it is on; nil while it is off.
    package var accessLogFormat: AccessLogFormat? {
        state.withLock { $0.configuration.server.accessLog ? $0.configuration.server.accessLogFormat : nil }
    }

    /// The request body limit (`max_body_bytes`) in force; read per request without copying the snapshot.
    package var maxBodyBytes: Int { state.withLock { $0.configuration.server.maxBodyBytes } }

    /// How many configurations have been loaded (1 at start).
    public var generation: Int { current.generation }

    /// Reads the configuration file again and swaps it in; on any error the old configuration stays in force.
    ///
    /// - Returns: the new generation.
    @discardableResult
    public func reload() throws(ConfigurationError) -> Int {
        try reloading.withLock { _ throws(ConfigurationError) in try reloadNow() }
    }

    private func reloadNow() throws(ConfigurationError) -> Int {
        let old = configuration
        guard let file = old.sourceFile?.path else {
            throw ConfigurationError(
                file: "", line: nil, key: "", message: "the configuration was not read from a file")
        }
        let new = try GatewayConfiguration.load(contentsOf: file)
        if new.server.listen != old.server.listen || new.server.adminListen != old.server.adminListen
            || new.server.clientIdleTimeout != old.server.clientIdleTimeout
        {
            logger.warning(
                "Listener settings changed; they take effect at the next restart",
                metadata: ["file": "\(file)", "settings": "listen, admin_listen, client_idle_timeout"])
        }
        if new.featureViews != old.featureViews
            || new.featureStore?.redis.description != old.featureStore?.redis.description
        {
            logger.warning(
                "[feature_store] and [[feature_view]] changes take effect at the next restart",
                metadata: ["file": "\(file)"])
        }
        let next = try GatewaySnapshot(
            configuration: new, registry: registry, features: features, generation: current.generation + 1,
            shadowComparisons: shadowComparisons)
        let generation = state.withLock { snapshot in
            snapshot = next
            return snapshot.generation
        }
        logger.info("Configuration reloaded", metadata: ["file": "\(file)", "generation": "\(generation)"])
        if let features { Self.warmUpAgain(features, logger: logger) }
        return generation
    }

    /// Loads the hot keys again after a reload (the keys files may have changed), in the background: the gateway
    /// keeps serving and stays ready meanwhile, since its cache is already warm.
    private static func warmUpAgain(_ features: FeatureService, logger: Logger) {
        Task {
            let report = await features.warmUp()
            guard !report.views.isEmpty else { return }
            logger.info("Feature warm-up after reload finished", metadata: ["keys_loaded": "\(report.keysLoaded)"])
        }
    }
}
