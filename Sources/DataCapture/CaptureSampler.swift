import Synchronization

/// The process-wide state of the sampling generator: a SplitMix64 counter advanced atomically.
private let samplerState = Atomic<UInt64>(UInt64.random(in: .min ... .max))

/// Decides with a fixed probability whether an invocation is captured.
///
/// Uses SplitMix64 over one atomic counter: lock-free, no allocation, statistically uniform, not cryptographic.
public struct CaptureSampler: Sendable, Equatable {
    let threshold: UInt64
    let always: Bool

    /// Creates a sampler that answers `true` with probability `percentage`/100 (clamped to 0–100).
    public init(percentage: Double) {
        let clamped = min(max(percentage, 0), 100)
        let scaled = (clamped / 100 * 18_446_744_073_709_551_616.0).rounded(.down)
        always = clamped >= 100 || scaled >= 18_446_744_073_709_551_616.0
        threshold = always ? .max : UInt64(scaled)
    }

    /// Whether this call is one of the sampled ones.
    public func shouldSample() -> Bool {
        always || (threshold > 0 && Self.nextRandom() < threshold)
    }

    static func nextRandom() -> UInt64 {
        SplitMix64.mix(samplerState.wrappingAdd(SplitMix64.increment, ordering: .relaxed).newValue)
    }
}
