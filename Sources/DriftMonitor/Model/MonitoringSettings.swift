/// How drift is decided: Model Monitor's `comparison_method`.
public enum ComparisonMethod: String, Codable, Sendable {
    /// Drift when the distance exceeds the threshold.
    case simple = "Simple"
    /// Drift when the distance exceeds the threshold and the two-sample KS test rejects equality at α = 0.05.
    case robust = "Robust"
}

/// The effective `monitoring_config` of a baseline, defaults filled in.
struct MonitoringSettings: Equatable {
    var evaluateConstraints = true
    var datatypeCheckThreshold = 1.0
    var domainContentThreshold = 1.0
    var performComparison = true
    var comparisonThreshold = 0.1
    var comparisonMethod = ComparisonMethod.robust
    var categoricalComparisonThreshold = 0.1

    /// Significance level of the Robust method's KS test.
    static let alpha = 0.05

    init() {}

    /// Reads the settings, rejecting unknown switch values and out-of-range thresholds.
    init(_ config: ConstraintsDocument.MonitoringConfig?, file: String) throws(DriftMonitorError) {
        guard let config else { return }
        evaluateConstraints = try Self.enabled(config.evaluateConstraints, "evaluate_constraints", file) ?? true
        datatypeCheckThreshold = try Self.fraction(config.datatypeCheckThreshold, "datatype_check_threshold", file) ?? 1
        domainContentThreshold = try Self.fraction(config.domainContentThreshold, "domain_content_threshold", file) ?? 1
        guard let distribution = config.distributionConstraints else { return }
        performComparison = try Self.enabled(distribution.performComparison, "perform_comparison", file) ?? true
        comparisonThreshold = try Self.fraction(distribution.comparisonThreshold, "comparison_threshold", file) ?? 0.1
        categoricalComparisonThreshold =
            try Self.fraction(distribution.categoricalComparisonThreshold, "categorical_comparison_threshold", file)
            ?? 0.1
        if let method = distribution.comparisonMethod {
            guard let parsed = ComparisonMethod(rawValue: method) else {
                throw DriftMonitorError(
                    "\(file): comparison_method must be \"Simple\" or \"Robust\", got \"\(method)\"")
            }
            comparisonMethod = parsed
        }
        if let drift = distribution.categoricalDriftMethod, drift != "LInfinity" {
            throw DriftMonitorError("\(file): categorical_drift_method must be \"LInfinity\", got \"\(drift)\"")
        }
    }

    private static func enabled(_ value: String?, _ key: String, _ file: String) throws(DriftMonitorError) -> Bool? {
        switch value {
        case nil: return nil
        case "Enabled": return true
        case "Disabled": return false
        case let other?:
            throw DriftMonitorError("\(file): \(key) must be \"Enabled\" or \"Disabled\", got \"\(other)\"")
        }
    }

    private static func fraction(_ value: Double?, _ key: String, _ file: String) throws(DriftMonitorError) -> Double? {
        guard let value else { return nil }
        guard value >= 0, value <= 1 else {
            throw DriftMonitorError("\(file): \(key) must be between 0 and 1, got \(value)")
        }
        return value
    }
}
