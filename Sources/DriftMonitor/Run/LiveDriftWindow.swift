import Foundation

/// Live traffic's statistics over one window, compared with a baseline the way `monitor run` compares captured
/// files: the same sketches, distances and constraints, fed payload by payload instead of from files.
///
/// Memory is bounded per window: one KLL sketch or a bounded category table per baseline feature, whatever the
/// traffic. The gateway keeps one window per endpoint and variant (``reset()`` starts the next window).
public struct LiveDriftWindow: Sendable {
    private let baseline: Baseline
    private var current: DatasetAccumulator

    /// Loads the baseline written by `mlgateway monitor baseline` in `directory`.
    ///
    /// - Throws: ``DriftMonitorError`` naming the missing file or the malformed part.
    public init(baselineDirectory directory: URL) throws(DriftMonitorError) {
        baseline = try Baseline.load(directory)
        current = DatasetAccumulator(featureNames: baseline.features.map(\.name), growable: false)
    }

    /// The baseline's feature names, in order.
    public var featureNames: [String] { baseline.features.map(\.name) }

    /// Rows added since the window began.
    public var rows: Int { current.rows }

    /// Adds the rows of one payload: CSV text (a row per line) or JSON (rows as `monitor run` reads them); other
    /// content types are ignored. Returns whether the payload was read.
    @discardableResult
    public mutating func add(payload: String, contentType: String) -> Bool {
        let type = contentType.lowercased()
        let rows: [Row]
        if type.contains("csv") {
            rows = Row.rows(csv: payload)
        } else if type.contains("json") {
            var text = payload
            guard let values = text.withUTF8({ try? JSONParser.parseSequence($0) }) else { return false }
            rows = Row.rows(json: values)
        } else {
            return false
        }
        for row in rows {
            switch row {
            case .positional(let values): current.addPositional(values)
            case .named(let values): current.addNamed(values)
            }
        }
        return true
    }

    /// The window's drift per baseline feature and the constraints it violates.
    public func evaluate() -> (drift: [FeatureDrift], violations: [Violation]) {
        let evaluator = DriftEvaluator(baseline: baseline, current: current)
        let drift = evaluator.drift()
        return (drift, evaluator.violations(drift: drift))
    }

    /// Starts a new window.
    public mutating func reset() {
        current = DatasetAccumulator(featureNames: baseline.features.map(\.name), growable: false)
    }
}
