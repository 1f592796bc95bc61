import Logging
import ServiceLifecycle

/// Keeps ``KeyRegistry`` in step with the key database: opens it at start when an endpoint needs credentials, then
/// runs the ``GatewayAuth/Authenticator`` poll loop, so keys created, revoked or rotated by the CLI or another
/// gateway apply within a second. Listed before the listeners, it stops after them, and then closes the rate limits'
/// Redis connections.
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
        await cancelWhenGracefulShutdown { await runtime.keys.run() }
        await runtime.keys.shutdown()
    }

    package init(runtime: GatewayRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }
}
