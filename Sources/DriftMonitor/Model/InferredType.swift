/// Model Monitor's feature types.
public enum InferredType: String, Codable, Sendable {
    /// Whole numbers.
    case integral = "Integral"
    /// Numbers with a fraction or exponent.
    case fractional = "Fractional"
    /// Anything else.
    case string = "String"
    /// No present values to infer from.
    case unknown = "Unknown"

    /// Whether features of this type get numerical statistics and distributions.
    public var isNumeric: Bool { self == .integral || self == .fractional }
}
