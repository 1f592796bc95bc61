import Foundation

/// The outcome of a monitoring run; the files it names are written.
public struct MonitorResult: Sendable, Equatable {
    /// Every violated constraint (empty: no violation).
    public var violations: [Violation]
    /// Drift measures per baseline feature, in baseline order.
    public var features: [FeatureDrift]
    /// The comparison method the baseline asked for.
    public var comparisonMethod: ComparisonMethod
    /// Capture files read.
    public var files: Int
    /// Capture records whose input was used.
    public var records: Int
    /// Data rows those records held (`instances` arrays and multi-line CSV give several rows per record).
    public var rows: Int
    /// Lines that were not readable capture records (tolerated, counted).
    public var corruptLines: Int
    /// Well-formed records left out: shadow copies, outside `since`/`until`, without input, unsupported content type.
    public var skippedRecords: Int
    /// `statistics.json` of the current data.
    public var statisticsURL: URL
    /// `constraint_violations.json`.
    public var violationsURL: URL
    /// `drift.json` with the per-feature measures.
    public var driftURL: URL
    /// The self-contained `report.html`.
    public var reportURL: URL
}
