import Logging
import ServiceLifecycle
import Synchronization

/// Keeps ``TemplateRegistry`` in step with the store: opens the database at start (the gateway is not ready until
/// the stored templates are loaded: ``readinessTask``), then reads its revision counter every ``interval`` (every
/// ``resyncInterval`` on PostgreSQL, which notifies changes as they commit and after every reconnection), so changes
/// made by the CLI or another gateway apply within a second.
package struct TemplateRefresher: Service {
    /// What readiness waits for until the stored templates are loaded.
    package static let readinessTask = "mapping templates"
    /// Poll interval of the revision counter in SQLite.
    package static let interval = Duration.milliseconds(250)
    /// Poll interval of the revision counter in PostgreSQL, in case a notification was lost.
    package static let resyncInterval = Duration.seconds(5)

    package let registry: TemplateRegistry
    package let readiness: Readiness
    package let logger: Logger

    package func run() async throws {
        let refresh = Refresh(registry: registry, readiness: readiness, logger: logger)
        let registry = registry
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    let interval = registry.stateStore == nil ? Self.interval : Self.resyncInterval
                    repeat {
                        await refresh()
                    } while (try? await Task.sleep(for: interval)) != nil
                }
                if let stateStore = registry.stateStore {
                    group.addTask {
                        for await change in stateStore.changes()
                        where change == .resynchronize || change == .changed(topic: TemplateStore.topic) {
                            await refresh()
                        }
                    }
                }
            }
        }
    }

    /// One refresh, its failure logged once until a refresh succeeds again.
    private final class Refresh: Sendable {
        let registry: TemplateRegistry
        let readiness: Readiness
        let logger: Logger
        let failing = Mutex(false)

        init(registry: TemplateRegistry, readiness: Readiness, logger: Logger) {
            self.registry = registry
            self.readiness = readiness
            self.logger = logger
        }

        func callAsFunction() async {
            do {
                try await registry.refresh()
                readiness.finish(TemplateRefresher.readinessTask)
                if failing.withLock({ $0 }) { logger.info("Template store readable again") }
                failing.withLock { $0 = false }
            } catch {
                if !failing.withLock({ $0 }) {
                    logger.error(
                        "Cannot read the template store; the templates loaded last stay in force",
                        metadata: ["error": "\(error.description)"])
                }
                failing.withLock { $0 = true }
            }
        }
    }

    package init(registry: TemplateRegistry, readiness: Readiness, logger: Logger) {
        self.registry = registry
        self.readiness = readiness
        self.logger = logger
    }
}
