import AsyncHTTPClient
import ModelClient
import NIOCore

/// A model answer whose body is still arriving, with the backend slot it holds until ``finish(success:)``.
struct BackendStream: Sendable {
    /// The endpoint called.
    let endpoint: EndpointRuntime
    /// The production variant that serves.
    let variant: VariantRuntime
    /// The backend the answer comes from.
    let backend: Backend
    /// The answer; its body streams.
    let response: HTTPClientResponse
    /// When the backend call started, for `ModelLatency`.
    let start: ContinuousClock.Instant
    /// Settings of the call, for the circuit breaker.
    let settings: BackendSettings

    /// Releases the backend slot, recording the outcome; returns the time spent in the model.
    @discardableResult
    func finish(success: Bool) -> Duration {
        backend.release(success: success, now: .now, settings: settings)
        return ContinuousClock.now - start
    }
}
