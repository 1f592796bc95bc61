/// `constraints.json` in Model Monitor's layout; everything but names is optional when read (defaults apply).
struct ConstraintsDocument: Codable, Equatable {
    var version = 0.0
    var features: [FeatureConstraints]
    var monitoringConfig: MonitoringConfig?

    struct FeatureConstraints: Codable, Equatable {
        var name: String
        var inferredType: InferredType?
        var completeness: Double?
        var numConstraints: NumConstraints?
        var stringConstraints: StringConstraints?
    }

    struct NumConstraints: Codable, Equatable {
        var isNonNegative: Bool?
    }

    struct StringConstraints: Codable, Equatable {
        var domains: [String]?
    }

    struct MonitoringConfig: Codable, Equatable {
        var evaluateConstraints: String?
        var emitMetrics: String?
        var datatypeCheckThreshold: Double?
        var domainContentThreshold: Double?
        var distributionConstraints: DistributionConstraints?
    }

    struct DistributionConstraints: Codable, Equatable {
        var performComparison: String?
        var comparisonThreshold: Double?
        var comparisonMethod: String?
        var categoricalComparisonThreshold: Double?
        var categoricalDriftMethod: String?
    }

    /// The defaults Model Monitor writes.
    static let defaultMonitoringConfig = MonitoringConfig(
        evaluateConstraints: "Enabled", emitMetrics: "Enabled", datatypeCheckThreshold: 1.0,
        domainContentThreshold: 1.0,
        distributionConstraints: DistributionConstraints(
            performComparison: "Enabled", comparisonThreshold: 0.1, comparisonMethod: "Robust",
            categoricalComparisonThreshold: 0.1, categoricalDriftMethod: "LInfinity"))
}
