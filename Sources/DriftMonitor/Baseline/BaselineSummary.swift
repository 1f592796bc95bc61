import Foundation

/// What ``BaselineBuilder/build(dataset:output:)`` produced.
public struct BaselineSummary: Sendable, Equatable {
    /// One baseline feature.
    public struct Feature: Sendable, Equatable {
        /// The column or field name.
        public var name: String
        /// The inferred type.
        public var inferredType: InferredType
        /// Share of rows with a present value.
        public var completeness: Double
    }

    /// Rows read from the dataset (`dataset.item_count`).
    public var itemCount: Int
    /// Features in dataset order.
    public var features: [Feature]
    /// JSON Lines rows that could not be parsed and were skipped.
    public var corruptLines: Int
    /// The statistics file written.
    public var statisticsURL: URL
    /// The constraints file written.
    public var constraintsURL: URL
}
