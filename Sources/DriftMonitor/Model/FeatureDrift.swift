/// The drift measures of one feature, as written to `drift.json` and shown in the report.
public struct FeatureDrift: Codable, Sendable, Equatable {
    /// The feature name.
    public var name: String
    /// The baseline's type, which decides numerical or categorical comparison.
    public var inferredType: InferredType
    /// Present values in the baseline.
    public var baselineCount: Int
    /// Present values in the current data used for the comparison.
    public var currentCount: Int
    /// L-infinity distance: between CDFs (numerical; the two-sample KS statistic) or category frequencies.
    public var distance: Double?
    /// The threshold the distance was compared with.
    public var threshold: Double?
    /// The asymptotic two-sample KS p-value (numerical features).
    public var ksPValue: Double?
    /// Population Stability Index over the baseline's deciles (numerical) or the categories.
    public var psi: Double?
    /// Jensen–Shannon distance (base 2, 0…1) over the same bins.
    public var jsDistance: Double?
    /// Whether the comparison method flagged drift.
    public var drift: Bool
}

/// `drift.json`: our addition next to Model Monitor's files.
struct DriftDocument: Codable, Equatable {
    var comparisonMethod: ComparisonMethod
    var features: [FeatureDrift]
}
