import Synchronization

/// What `/readyz` reports: ready once every start-up task has finished and until shutdown begins.
public final class Readiness: Sendable {
    private let state = Mutex(State())

    private struct State {
        package var pending: Set<String> = []
        package var draining = false
    }

    /// Creates a ready state with nothing pending.
    public init() {}

    /// Marks a start-up task (e.g. a feature warm-up) as pending; the gateway is not ready until it finishes.
    public func begin(_ task: String) { state.withLock { _ = $0.pending.insert(task) } }

    /// Marks a start-up task as finished.
    public func finish(_ task: String) { state.withLock { _ = $0.pending.remove(task) } }

    /// Marks the start of shutdown: readiness fails from now on.
    public func startDraining() { state.withLock { $0.draining = true } }

    /// Whether shutdown has begun.
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Why the gateway is not ready, or nil when it is.
    public var notReadyReason: String? {
        state.withLock { state in
            if state.draining { return "shutting down" }
            if !state.pending.isEmpty { return "waiting for \(state.pending.sorted().joined(separator: ", "))" }
            return nil
        }
    }
}
