import Foundation

/// Live drift of an endpoint's inputs (`[endpoint.drift]`): each variant's traffic, window by window, against the
/// baseline `mlgateway monitor baseline` wrote, with `monitor run`'s sketches, distances and constraints.
public struct DriftConfiguration: Sendable, Equatable {
    /// The baseline directory (`baseline`, relative to the configuration file): `statistics.json`,
    /// `constraints.json`.
    public var baseline: URL
    /// How long one window lasts before the next starts (`window`, default 5 minutes).
    public var window: Duration = .seconds(300)
    /// Rows a window needs before it is compared (`min_rows`, default 100).
    public var minRows = 100

    /// Creates settings.
    public init(baseline: URL) {
        self.baseline = baseline
    }
}

extension DriftConfiguration {
    /// Reads the `[endpoint.drift]` table of an endpoint table, or nil when there is none.
    package static func read(fromTableIn table: inout ConfigTable) throws(ConfigurationError) -> DriftConfiguration? {
        guard var drift = try table.table("drift") else { return nil }
        let path = try drift.requiredString("baseline")
        var configuration = DriftConfiguration(baseline: drift.context.url(forPath: path))
        if let window = try drift.positiveDuration("window") {
            guard window >= .seconds(1), window <= .seconds(86_400) else {
                throw drift.error("window", "must be between 1s and 24h")
            }
            configuration.window = window
        }
        if let rows = try drift.int("min_rows", range: 1...1_000_000) { configuration.minRows = rows }
        try drift.finish()
        return configuration
    }
}
