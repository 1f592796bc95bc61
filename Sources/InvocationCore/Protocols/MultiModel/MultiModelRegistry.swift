import Metrics
import Synchronization

/// Multi-model state shared by all requests: model placement per backend, in-flight loads, hash rings and
/// per-model metrics. Keyed by backend URL, so it survives configuration reloads.
package final class MultiModelRegistry: Sendable {
    private let placement = Mutex(ModelPlacement())
    private let loads = Mutex<[Int: Task<Void, any Error>]>([:])
    private let rings = Mutex<[[String]: HashRing]>([:])

    package init() {}

    /// The hash ring of a variant's backends.
    package func ring(for backends: [String]) -> HashRing {
        rings.withLock { rings in
            if let ring = rings[backends] { return ring }
            let ring = HashRing(nodes: backends)
            rings[backends] = ring
            return ring
        }
    }

    /// The step for `model` on `backend` (see ``ModelPlacement``).
    package func step(model: String, backend: String) -> ModelPlacement.Step {
        placement.withLock { $0.step(model: model, backend: backend) }
    }

    /// Runs load `generation` in its own task, so that a cancelled caller does not cancel it; waiters join it.
    package func startLoad(
        model: String, backend: String, generation: Int, load: @escaping @Sendable () async throws -> Void
    ) -> Task<Void, any Error> {
        let task = Task {
            defer { _ = loads.withLock { $0.removeValue(forKey: generation) } }
            do {
                try await load()
                placement.withLock {
                    $0.finishLoad(model: model, backend: backend, generation: generation, success: true)
                }
            } catch {
                placement.withLock {
                    $0.finishLoad(model: model, backend: backend, generation: generation, success: false)
                }
                throw error
            }
        }
        loads.withLock { $0[generation] = task }
        return task
    }

    /// The in-flight load `generation`, if it has not finished.
    package func load(generation: Int) -> Task<Void, any Error>? {
        loads.withLock { $0[generation] }
    }

    /// Forgets a model the backend no longer has.
    package func forget(model: String, backend: String) {
        placement.withLock { $0.forget(model: model, backend: backend) }
    }
}

/// Metrics of one model of a multi-model variant (label `model`).
package struct ModelMetrics: Sendable {
    package let invocations: Counter
    /// `ModelSetupTime`: time to load the model.
    package let setupTime: Metrics.Timer

    package init(endpoint: String, variant: String, model: String) {
        _ = GatewayMetrics.registry
        let dimensions = [("endpoint", endpoint), ("variant", variant), ("model", model)]
        invocations = Counter(label: "mlgateway_model_invocations_total", dimensions: dimensions)
        setupTime = Metrics.Timer(label: "mlgateway_model_setup_time_seconds", dimensions: dimensions)
    }
}
