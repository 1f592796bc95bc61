/// Which models each backend of a multi-model variant has loaded or is loading, as a plain state machine.
///
/// Keys are backend base URLs and model names. A load is single flight: the first request that finds a model
/// absent starts it (``Step/startLoad``); requests arriving meanwhile wait for it or are rejected, as the variant's
/// `model_not_ready` says.
package struct ModelPlacement: Sendable {
    /// A model's state on one backend.
    package enum Slot: Sendable, Equatable {
        /// A load is in flight; `generation` tells that load apart from later ones.
        case loading(generation: Int)
        /// The model answers invocations.
        case loaded
    }

    /// What a request should do about its model.
    package enum Step: Sendable, Equatable {
        /// Invoke now.
        case invoke
        /// Load the model (this request owns load `generation`), then invoke.
        case startLoad(generation: Int)
        /// Another request is loading it: wait for load `generation`.
        case awaitLoad(generation: Int)
    }

    private var slots: [String: [String: Slot]] = [:]
    private var nextGeneration = 0

    /// The step for `model` on `backend`.
    package mutating func step(model: String, backend: String) -> Step {
        switch slots[backend]?[model] {
        case .loaded: return .invoke
        case .loading(let generation): return .awaitLoad(generation: generation)
        case nil:
            nextGeneration += 1
            slots[backend, default: [:]][model] = .loading(generation: nextGeneration)
            return .startLoad(generation: nextGeneration)
        }
    }

    /// Records the end of load `generation`: loaded, or forgotten so that the next request tries again.
    package mutating func finishLoad(model: String, backend: String, generation: Int, success: Bool) {
        guard slots[backend]?[model] == .loading(generation: generation) else { return }
        slots[backend]?[model] = success ? .loaded : nil
    }

    /// Forgets `model` on `backend` (the backend said it does not have it, e.g. after a restart or eviction).
    package mutating func forget(model: String, backend: String) {
        if slots[backend]?[model] == .loaded { slots[backend]?[model] = nil }
    }

    /// The state of `model` on `backend`.
    package func slot(model: String, backend: String) -> Slot? { slots[backend]?[model] }
}
