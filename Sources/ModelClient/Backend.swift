import Foundation
import Synchronization

/// One model server (`http://host:port`): its outstanding request count, circuit breaker and health.
///
/// Backends are shared across configuration reloads by URL, so their state survives a reload.
public final class Backend: Sendable {
    /// Base URL of the model server.
    public let url: URL
    /// `url` without a trailing slash, for building request URLs.
    package let baseURL: String
    /// Keep-alive connections for invocations, when the server speaks plain HTTP (HTTPS goes through
    /// AsyncHTTPClient).
    package let connections: BackendConnectionPool?
    private let outstandingCount = Atomic<Int>(0)
    private let state = Mutex(State())

    private struct State {
        package var breaker = CircuitBreaker()
        package var health = HealthStatus()
    }

    /// Creates a backend for `url`.
    public init(url: URL) {
        self.url = url
        var base = url.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        if url.scheme == "http", let host = url.host, !host.isEmpty {
            var prefix = url.path
            while prefix.hasSuffix("/") { prefix.removeLast() }
            self.connections = BackendConnectionPool(host: host, port: url.port ?? 80, pathPrefix: prefix)
        } else {
            self.connections = nil
        }
    }

    /// Requests in flight to this backend.
    public var outstanding: Int { outstandingCount.load(ordering: .relaxed) }

    /// Whether active health checks consider it healthy.
    public var isHealthy: Bool { state.withLock { $0.health.isHealthy } }

    /// The circuit breaker's state.
    public var breakerState: CircuitBreaker.State { state.withLock { $0.breaker.state } }

    /// Whether it could take a request now (healthy and circuit not open).
    public func isAvailable(now: ContinuousClock.Instant) -> Bool {
        state.withLock { $0.health.isHealthy && $0.breaker.isAvailable(now: now) }
    }

    /// Takes a slot for a request if healthy and the circuit allows it.
    package func acquire(now: ContinuousClock.Instant) -> Bool {
        let allowed = state.withLock { $0.health.isHealthy && $0.breaker.acquire(now: now) }
        if allowed { outstandingCount.add(1, ordering: .relaxed) }
        return allowed
    }

    /// Releases a slot and records the outcome; returns true when this failure opened the circuit.
    @discardableResult
    package func release(success: Bool, now: ContinuousClock.Instant, settings: BackendSettings) -> Bool {
        outstandingCount.subtract(1, ordering: .relaxed)
        return state.withLock { state in
            if success {
                state.breaker.recordSuccess()
                return false
            }
            return state.breaker.recordFailure(
                now: now, threshold: settings.failureThreshold, openDuration: settings.openDuration)
        }
    }

    /// Marks the backend down because it refused a connection; health checks bring it back. Returns true when it
    /// was healthy.
    package func markDown() -> Bool {
        state.withLock { $0.health.markDown() }
    }

    /// Records a health check; returns true when the health changed.
    package func recordHealthCheck(success: Bool, settings: BackendSettings) -> Bool {
        state.withLock {
            $0.health.record(
                success: success, healthyThreshold: settings.healthyThreshold,
                unhealthyThreshold: settings.unhealthyThreshold)
        }
    }
}

/// Hands out one ``Backend`` per URL, so reloads keep backend state.
package final class BackendRegistry: Sendable {
    private let backends = Mutex<[String: Backend]>([:])

    package init() {}

    /// The backend for `url`, created on first use.
    package func backend(for url: URL) -> Backend {
        backends.withLock { backends in
            if let existing = backends[url.absoluteString] { return existing }
            let backend = Backend(url: url)
            backends[url.absoluteString] = backend
            return backend
        }
    }

    /// Closes the idle keep-alive connections of every backend (at shutdown).
    package func closeConnections() {
        for backend in backends.withLock({ Array($0.values) }) { backend.connections?.close() }
    }
}
