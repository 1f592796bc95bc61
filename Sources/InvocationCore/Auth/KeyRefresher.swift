import Logging
import ServiceLifecycle

/// Keeps ``KeyRegistry`` in step with the key store: opens it at start when an endpoint needs credentials (the
/// gateway is not ready until the keys are loaded: ``readinessTask``), then keeps the ``GatewayAuth/Authenticator``
/// current, so keys created, revoked or rotated by the CLI or another gateway apply within a second; saves quota
/// counts every second (in-memory limits). Listed before the listeners, it stops after them, saves the last counts
/// and closes the rate limits' Redis connections.
package struct KeyRefresher: Service {
    /// What readiness waits for while the keys load (the server begins it when an endpoint needs credentials).
    package static let readinessTask = "API keys"

    package let runtime: GatewayRuntime
    package let readiness: Readiness
    package let logger: Logger

    /// Whether the gateway must load keys before it is ready.
    package static func needsKeys(_ configuration: GatewayConfiguration) -> Bool {
        configuration.endpoints.contains { $0.auth != .none }
    }

    package func run() async {
        let configuration = runtime.configuration
        if Self.needsKeys(configuration) {
            do {
                _ = try runtime.keys.open(configuration.auth)
            } catch {
                logger.error(
                    "Cannot open the API key database; authenticated endpoints answer 500 until it opens",
                    metadata: ["error": "\(error.description)"])
            }
        }
        let keys = runtime.keys
        let readiness = readiness
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await keys.run() }
                group.addTask {
                    while !keys.isLoaded, (try? await Task.sleep(for: .milliseconds(20))) != nil {}
                    readiness.finish(Self.readinessTask)
                }
                group.addTask {
                    while (try? await Task.sleep(for: Self.quotaSaveInterval)) != nil { keys.saveQuotaUsage() }
                }
            }
        }
        keys.saveQuotaUsage()
        await keys.shutdown()
    }

    /// How often quota counts are saved in single-process mode: a process killed without a chance to shut down
    /// forgets at most this much of its quota counting.
    static let quotaSaveInterval = Duration.seconds(1)

    package init(runtime: GatewayRuntime, readiness: Readiness, logger: Logger) {
        self.runtime = runtime
        self.readiness = readiness
        self.logger = logger
    }
}
