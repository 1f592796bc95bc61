import Logging
import ModelClient
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Pings every backend's `/ping` and marks it healthy or unhealthy; runs until graceful shutdown.
///
/// Checks run for all backends of the configuration in force at each round, concurrently, at the shortest
/// `health_check.interval` of the endpoints; each backend uses the thresholds of the first endpoint naming it.
/// Backends that are down are checked every second in between, so that one marked down when it refused a connection
/// (passive health) takes traffic again within a second of coming back.
package struct HealthChecker: Service {
    /// How often backends that are down are checked.
    package static let downInterval = Duration.seconds(1)

    package let runtime: GatewayRuntime
    package let client: BackendClient
    package let logger: Logger

    package func run() async {
        await cancelWhenGracefulShutdown {
            var lastRound = ContinuousClock.now - .seconds(86_400)
            while !Task.isCancelled {
                let snapshot = runtime.current
                let interval = snapshot.configuration.endpoints.map(\.backend.healthCheckInterval).min() ?? .seconds(5)
                let now = ContinuousClock.now
                let fullRound = now - lastRound >= interval
                if fullRound { lastRound = now }
                await checkAll(snapshot, onlyDown: !fullRound)
                // Cancelled on graceful shutdown: the sleep ends early and the loop stops without an error, which
                // would otherwise make the service group cancel the services still to be shut down.
                try? await Task.sleep(for: min(interval, Self.downInterval))
            }
        }
    }

    /// One round of checks: of every backend, or `onlyDown` of those that are down.
    package func checkAll(_ snapshot: GatewaySnapshot, onlyDown: Bool = false) async {
        var targets: [(Backend, BackendSettings, String)] = []
        var seen = Set<ObjectIdentifier>()
        for endpoint in snapshot.configuration.endpoints {
            guard let runtimeEndpoint = snapshot.endpoints[endpoint.name] else { continue }
            for variant in runtimeEndpoint.production + runtimeEndpoint.shadows {
                for backend in variant.backends
                where (!onlyDown || !backend.isHealthy) && seen.insert(ObjectIdentifier(backend)).inserted {
                    targets.append((backend, endpoint.backend, variant.healthPath))
                }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for (backend, settings, path) in targets {
                group.addTask { await check(backend, settings: settings, path: path) }
            }
        }
    }

    private func check(_ backend: Backend, settings: BackendSettings, path: String) async {
        let request = BackendRequest(method: .GET, timeout: settings.healthCheckTimeout)
        let healthy: Bool
        do {
            let response = try await client.send(request, to: backend, path: path, settings: settings, logger: logger)
            healthy = response.status == 200
        } catch {
            healthy = false
        }
        if backend.recordHealthCheck(success: healthy, settings: settings) {
            if healthy {
                logger.info("Backend is healthy again", metadata: ["backend": "\(backend.baseURL)"])
            } else {
                logger.warning("Backend is unhealthy", metadata: ["backend": "\(backend.baseURL)"])
            }
        }
    }

    package init(runtime: GatewayRuntime, client: BackendClient, logger: Logger) {
        self.runtime = runtime
        self.client = client
        self.logger = logger
    }
}
