import Foundation

/// Compares captured inputs with a baseline and writes Model Monitor's result files plus an HTML report.
public struct MonitorRunner: Sendable {
    /// The baseline directory (`statistics.json`, `constraints.json`).
    public var baseline: URL
    /// The capture destination root (`{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl` below it).
    public var capture: URL
    /// Where the result files go (created when missing).
    public var output: URL
    /// Only this endpoint's captures (all endpoints when `nil`).
    public var endpoint: String?
    /// Only this variant's captures; when `nil`, every variant except shadow copies.
    public var variant: String?
    /// Only records with `inferenceTime` at or after this.
    public var since: Date?
    /// Only records with `inferenceTime` before this.
    public var until: Date?

    /// Creates a runner.
    public init(
        baseline: URL, capture: URL, output: URL, endpoint: String? = nil, variant: String? = nil, since: Date? = nil,
        until: Date? = nil
    ) {
        self.baseline = baseline
        self.capture = capture
        self.output = output
        self.endpoint = endpoint
        self.variant = variant
        self.since = since
        self.until = until
    }

    /// Parses a `--since`/`--until` value: `2026-11-23`, `2026-11-23T10:00`, `2026-11-23T10:00:00Z`, with optional
    /// fraction and `+hh:mm` offset; times without zone are UTC.
    public static func parseTimestamp(_ text: String) -> Date? {
        Timestamp.parse(text)
    }

    /// Reads the baseline, streams the capture files, and writes `statistics.json`, `constraint_violations.json`,
    /// `drift.json` and `report.html` into `output`.
    /// - Parameter progress: called after each file and every 10,000 lines (on the calling thread).
    /// - Throws: ``DriftMonitorError`` for a missing or malformed baseline, a missing capture directory, or an
    ///   unwritable output. Corrupt capture lines are counted, not thrown.
    public func run(progress: (MonitorProgress) -> Void = { _ in }) throws(DriftMonitorError) -> MonitorResult {
        let baseline = try Baseline.load(self.baseline)
        let files = try CaptureFiles(endpoint: endpoint, variant: variant, since: since, until: until).list(in: capture)
        var current = DatasetAccumulator(featureNames: baseline.features.map(\.name), growable: false)
        var state = MonitorProgress(
            filesDone: 0, filesTotal: files.count, bytesDone: 0, bytesTotal: files.reduce(0) { $0 + $1.size },
            records: 0,
            corruptLines: 0)
        var skipped = 0
        var bytesBeforeFile = 0
        progress(state)
        for file in files {
            var lines = 0
            try FileChunks.lines(file.url) { line, _ in
                lines += 1
                state.bytesDone += line.count + 1
                guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { return }
                switch CaptureLine.read(line, includeShadow: variant != nil, since: since, until: until) {
                case .rows(let rows):
                    state.records += 1
                    for row in rows {
                        switch row {
                        case .positional(let values): current.addPositional(values)
                        case .named(let values): current.addNamed(values)
                        }
                    }
                case .skipped:
                    skipped += 1
                case .corrupt:
                    state.corruptLines += 1
                }
                if lines % 10_000 == 0 { progress(state) }
            }
            bytesBeforeFile += file.size
            state.filesDone += 1
            state.bytesDone = bytesBeforeFile
            progress(state)
        }
        return try write(baseline: baseline, current: current, progress: state, skipped: skipped)
    }

    private func write(baseline: Baseline, current: DatasetAccumulator, progress: MonitorProgress, skipped: Int)
        throws(DriftMonitorError) -> MonitorResult
    {
        try BaselineBuilder.createDirectory(output)
        let evaluator = DriftEvaluator(baseline: baseline, current: current)
        let drift = evaluator.drift()
        let violations = evaluator.violations(drift: drift)
        let statistics = StatisticsDocument(
            dataset: .init(itemCount: current.rows), features: current.features.map { $0.statistics() })
        let result = MonitorResult(
            violations: violations, features: drift, comparisonMethod: baseline.settings.comparisonMethod,
            files: progress.filesTotal, records: progress.records, rows: current.rows,
            corruptLines: progress.corruptLines,
            skippedRecords: skipped, statisticsURL: output.appendingPathComponent("statistics.json"),
            violationsURL: output.appendingPathComponent("constraint_violations.json"),
            driftURL: output.appendingPathComponent("drift.json"),
            reportURL: output.appendingPathComponent("report.html"))
        try JSONFiles.write(statistics, to: result.statisticsURL)
        try JSONFiles.write(ViolationsDocument(violations: violations), to: result.violationsURL)
        try JSONFiles.write(
            DriftDocument(comparisonMethod: result.comparisonMethod, features: drift), to: result.driftURL)
        let html = HTMLReport(baseline: baseline, current: current, result: result, runner: self).render()
        do {
            try Data(html.utf8).write(to: result.reportURL, options: .atomic)
        } catch {
            throw DriftMonitorError("cannot write \(result.reportURL.path): \(error.localizedDescription)")
        }
        return result
    }
}
