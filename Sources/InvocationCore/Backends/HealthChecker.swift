import Logging
import ModelClient
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Asks every backend whether it is ready (``check(_:settings:protocol:)``) and marks it healthy or unhealthy; runs
/// until graceful shutdown.
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
        var targets: [(Backend, BackendSettings, VariantProtocolOptions.BackendProtocol)] = []
        var seen = Set<ObjectIdentifier>()
        for endpoint in snapshot.configuration.endpoints {
            guard let runtimeEndpoint = snapshot.endpoints[endpoint.name] else { continue }
            for variant in runtimeEndpoint.production + runtimeEndpoint.shadows {
                for backend in variant.backends
                where (!onlyDown || !backend.isHealthy) && seen.insert(ObjectIdentifier(backend)).inserted {
                    targets.append((backend, endpoint.backend, variant.configuration.protocolOptions.backendProtocol))
                }
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for (backend, settings, backendProtocol) in targets {
                group.addTask { await check(backend, settings: settings, protocol: backendProtocol) }
            }
        }
    }

    /// Asks `backend` whether it is ready: `GET /ping` (SageMaker), `GET /v2/health/ready` (OIP) or `ServerReady`
    /// (OIP over gRPC).
    private func check(
        _ backend: Backend, settings: BackendSettings, protocol backendProtocol: VariantProtocolOptions.BackendProtocol
    ) async {
        let healthy: Bool
        switch backendProtocol {
        case .oipGRPC:
            let answer = try? await client.openInferenceGRPC.call(backend, timeout: settings.healthCheckTimeout) {
                client, options in try await client.serverReady(.init(), options: options)
            }
            if case .response(let response) = answer { healthy = response.ready } else { healthy = false }
        case .sagemaker, .oip:
            let request = BackendRequest(method: .GET, timeout: settings.healthCheckTimeout)
            let path = backendProtocol == .oip ? "/v2/health/ready" : "/ping"
            let response = try? await client.send(request, to: backend, path: path, settings: settings, logger: logger)
            healthy = response?.status == 200
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
