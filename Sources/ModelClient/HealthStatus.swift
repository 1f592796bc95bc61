/// Result of active `/ping` checks for one backend, with hysteresis.
///
/// A backend starts healthy, becomes unhealthy after `unhealthyThreshold` consecutive failed pings and healthy again
/// after `healthyThreshold` consecutive good ones.
public struct HealthStatus: Sendable, Equatable {
    /// Whether the backend takes traffic.
    public private(set) var isHealthy = true
    private var streak = 0

    /// Creates a healthy status.
    public init() {}

    /// Records one ping; returns true when the health changed.
    @discardableResult
    public mutating func record(success: Bool, healthyThreshold: Int, unhealthyThreshold: Int) -> Bool {
        if success == isHealthy {
            streak = 0
            return false
        }
        streak += 1
        guard streak >= (success ? healthyThreshold : unhealthyThreshold) else { return false }
        isHealthy = success
        streak = 0
        return true
    }

    /// Marks the backend down at once, without waiting for failed pings: it refused a connection (passive health).
    /// Returns true when it was healthy.
    public mutating func markDown() -> Bool {
        defer {
            isHealthy = false
            streak = 0
        }
        return isHealthy
    }
}
