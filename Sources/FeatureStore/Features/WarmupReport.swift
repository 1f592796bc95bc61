/// Progress of cache warm-up.
struct WarmupState: Sendable {
    /// Whether warm-up finished or gave up (always true when no view configures warm-up).
    var isWarm: Bool
    /// Entities loaded into the cache so far.
    var keysLoaded = 0
    /// How the last finished warm-up went, per view.
    var lastReport: WarmupReport?
}

/// The outcome of ``FeatureService/warmUp()``.
public struct WarmupReport: Sendable, Hashable {
    /// How warm-up of one view ended.
    public enum Outcome: Sendable, Hashable {
        /// Every configured entity was loaded.
        case completed
        /// The deadline passed first.
        case deadlineExceeded
        /// Reading the keys or Redis failed; the message says why.
        case failed(String)
    }

    /// Warm-up of one view.
    public struct View: Sendable, Hashable {
        /// The view's name.
        public let name: String
        /// Entities loaded into the cache.
        public let keysLoaded: Int
        /// How it ended.
        public let outcome: Outcome
    }

    /// One entry per view that configures warm-up.
    public let views: [View]

    /// Entities loaded over all views.
    public var keysLoaded: Int { views.reduce(0) { $0 + $1.keysLoaded } }
}
