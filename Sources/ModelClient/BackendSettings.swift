import Foundation

/// Timeouts, retries, circuit breaking and health checks for an endpoint's backends.
public struct BackendSettings: Sendable, Equatable {
    /// Time allowed to open a connection (`connect_timeout`).
    public var connectTimeout: Duration
    /// Time allowed for the whole backend answer (`timeout`; SageMaker allows 60 s).
    public var timeout: Duration
    /// How long a keep-alive connection may sit idle and still be reused (`idle_timeout`); keep it below the model
    /// server's own keep-alive timeout (uvicorn: 5 s, gunicorn: 2 s).
    public var idleTimeout: Duration
    /// Extra attempts on another backend when a connection could not be made (`max_retries`).
    public var maxRetries: Int
    /// Consecutive failures that open a backend's circuit (`circuit_breaker.failure_threshold`).
    public var failureThreshold: Int
    /// How long an open circuit rejects calls before a probe (`circuit_breaker.open_duration`).
    public var openDuration: Duration
    /// Interval between `/ping` health checks (`health_check.interval`).
    public var healthCheckInterval: Duration
    /// Time allowed for one `/ping` (`health_check.timeout`; SageMaker allows 2 s).
    public var healthCheckTimeout: Duration
    /// Failed pings that mark a backend unhealthy (`health_check.unhealthy_threshold`).
    public var unhealthyThreshold: Int
    /// Successful pings that mark it healthy again (`health_check.healthy_threshold`).
    public var healthyThreshold: Int

    /// Creates backend settings with SageMaker-like defaults.
    public init(
        connectTimeout: Duration = .seconds(2),
        timeout: Duration = .seconds(60),
        idleTimeout: Duration = .milliseconds(1500),
        maxRetries: Int = 2,
        failureThreshold: Int = 5,
        openDuration: Duration = .seconds(10),
        healthCheckInterval: Duration = .seconds(5),
        healthCheckTimeout: Duration = .seconds(2),
        unhealthyThreshold: Int = 2,
        healthyThreshold: Int = 1
    ) {
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.maxRetries = maxRetries
        self.failureThreshold = failureThreshold
        self.openDuration = openDuration
        self.healthCheckInterval = healthCheckInterval
        self.healthCheckTimeout = healthCheckTimeout
        self.unhealthyThreshold = unhealthyThreshold
        self.healthyThreshold = healthyThreshold
    }
}
