import Logging
import ServiceLifecycle

/// Keeps ``KeyRegistry`` in step with the key database: opens it at start when an endpoint needs credentials, then
/// runs the ``GatewayAuth/Authenticator`` poll loop, so keys created, revoked or rotated by the CLI or another
/// gateway apply within a second; saves quota counts every second (single-process mode). Listed before the
/// listeners, it stops after them, saves the last counts and closes the rate limits' Redis connections.
package struct KeyRefresher: Service {
    package let runtime: GatewayRuntime
    package let logger: Logger

    package func run() async {
        let configuration = runtime.configuration
        if configuration.endpoints.contains(where: { $0.auth != .none }) {
            do {
                _ = try runtime.keys.open(configuration.auth)
            } catch {
                logger.error(
                    "Cannot open the API key database; authenticated endpoints answer 500 until it opens",
                    metadata: ["error": "\(error.description)"])
            }
        }
        let keys = runtime.keys
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await keys.run() }
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

    package init(runtime: GatewayRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }
}
