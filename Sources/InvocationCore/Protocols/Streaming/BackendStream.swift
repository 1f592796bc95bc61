import AsyncHTTPClient
import ModelClient
import NIOCore

/// A model answer whose body is still arriving, with the backend slot it holds until ``finish(success:)``.
package struct BackendStream: Sendable {
    /// The endpoint called.
    package let endpoint: EndpointRuntime
    /// The production variant that serves.
    package let variant: VariantRuntime
    /// The backend the answer comes from.
    package let backend: Backend
    /// The answer; its body streams.
    package let response: HTTPClientResponse
    /// When the backend call started, for `ModelLatency`.
    package let start: ContinuousClock.Instant
    /// Settings of the call, for the circuit breaker.
    package let settings: BackendSettings

    /// Releases the backend slot, recording the outcome; returns the time spent in the model.
    @discardableResult
    package func finish(success: Bool) -> Duration {
        backend.release(success: success, now: .now, settings: settings)
        return ContinuousClock.now - start
    }
}
