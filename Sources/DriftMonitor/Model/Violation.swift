/// Model Monitor's constraint check types.
public enum ConstraintCheckType: String, Codable, Sendable, CaseIterable {
    /// Values of the current data do not have the baseline's type often enough.
    case dataTypeCheck = "data_type_check"
    /// The current data is less complete than the baseline.
    case completenessCheck = "completeness_check"
    /// The distribution moved away from the baseline's.
    case baselineDriftCheck = "baseline_drift_check"
    /// A baseline column never appears in the current data.
    case missingColumnCheck = "missing_column_check"
    /// The current data has columns the baseline does not.
    case extraColumnCheck = "extra_column_check"
    /// String values outside the baseline's domain.
    case categoricalValuesCheck = "categorical_values_check"
}

/// One entry of `constraint_violations.json`.
public struct Violation: Codable, Sendable, Equatable {
    /// The feature concerned (for extra columns, their names).
    public var featureName: String
    /// Which check failed.
    public var constraintCheckType: ConstraintCheckType
    /// What was expected and what was observed.
    public var description: String

    /// Creates a violation.
    public init(featureName: String, constraintCheckType: ConstraintCheckType, description: String) {
        self.featureName = featureName
        self.constraintCheckType = constraintCheckType
        self.description = description
    }
}

/// `constraint_violations.json`.
struct ViolationsDocument: Codable, Equatable {
    var violations: [Violation]
}
