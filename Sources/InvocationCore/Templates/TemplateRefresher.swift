import Logging
import ServiceLifecycle

/// Keeps ``TemplateRegistry`` in step with the store: opens the database at start, then reads its revision counter
/// every ``interval``, so changes made by the CLI or another gateway apply within a second.
package struct TemplateRefresher: Service {
    /// Poll interval of the revision counter.
    package static let interval = Duration.milliseconds(250)

    package let registry: TemplateRegistry
    package let logger: Logger

    package func run() async throws {
        var failing = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await registry.refresh()
                if failing { logger.info("Template store readable again") }
                failing = false
            } catch {
                if !failing {
                    logger.error("Cannot read the template store", metadata: ["error": "\(error.description)"])
                }
                failing = true
            }
            try? await Task.sleep(for: Self.interval)
        }
    }

    package init(registry: TemplateRegistry, logger: Logger) {
        self.registry = registry
        self.logger = logger
    }
}
