import ArgumentParser
import DriftMonitor
import Foundation
import InvocationCore

/// `mlgateway monitor baseline|run`: Model Monitor baselines and drift checks over captured data.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Baseline a training dataset and check captured data against it (SageMaker Model Monitor formats).",
        subcommands: [Baseline.self, Run.self])

    /// The exit status of `run --fail-on-violation` when constraints are violated (errors exit with 1).
    static let violationExitCode: Int32 = 2

    struct Baseline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compute statistics.json and constraints.json of a training dataset.",
            discussion: """
                The dataset is CSV with a header row or JSON Lines objects, read in one streaming pass. Types, \
                completeness, non-negativity, string domains and KLL quantile sketches are inferred as Model Monitor does.
                """)

        @Option(help: "The training data: CSV with a header row (.csv) or JSON Lines (.jsonl).")
        var dataset: String

        @Option(help: "The directory for statistics.json and constraints.json (created when missing).")
        var output: String

        @Option(
            name: .customLong("drop-column"),
            help: "A column (CSV) or field (JSON Lines) to leave out, such as the label; repeatable.")
        var droppedColumns: [String] = []

        func run() throws {
            let summary: BaselineSummary
            do {
                summary = try BaselineBuilder.build(
                    dataset: URL(fileURLWithPath: dataset), output: URL(fileURLWithPath: output),
                    droppedColumns: droppedColumns)
            } catch {
                throw MonitorCommand.fail(error.message)
            }
            print(
                "baseline of \(dataset): \(summary.itemCount) rows, \(summary.features.count) features"
                    + (summary.corruptLines > 0 ? ", \(summary.corruptLines) malformed lines skipped" : ""))
            let rows = summary.features.map { feature in
                [feature.name, feature.inferredType.rawValue, String(format: "%.3f", feature.completeness)]
            }
            print(TextTable.render(header: ["feature", "type", "completeness"], rows: rows))
            print("wrote \(summary.statisticsURL.path) and \(summary.constraintsURL.path)")
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check captured inputs against a baseline; write statistics, violations and report.html.",
            discussion: """
                Streams the capture files under --capture (endpoint/variant/yyyy/mm/dd/hh/*.jsonl), skipping shadow \
                records unless --variant names a shadow variant. Times are like 2026-11-23, 2026-11-23T10:00 or \
                2026-11-23T10:00:00Z (UTC unless an offset is given); --since is inclusive, --until exclusive. Exits 1 \
                on an error and, with --fail-on-violation, 2 when a constraint is violated.
                """)

        @Option(help: "The baseline directory (statistics.json and constraints.json).")
        var baseline: String

        @Option(help: "The capture destination root.")
        var capture: String

        @Option(help: "Only this endpoint's captures.")
        var endpoint: String?

        @Option(help: "Only this variant's captures (all production variants when absent).")
        var variant: String?

        @Option(help: "Only records captured at or after this time.")
        var since: String?

        @Option(help: "Only records captured before this time.")
        var until: String?

        @Option(help: "The directory for statistics.json, constraint_violations.json, drift.json and report.html.")
        var output: String

        @Flag(name: .customLong("fail-on-violation"), help: "Exit with status 2 when a constraint is violated.")
        var failOnViolation = false

        func validate() throws {
            for (name, value) in [("--since", since), ("--until", until)] {
                if let value, MonitorRunner.parseTimestamp(value) == nil {
                    throw ValidationError(
                        "\(name) \(value) is not a time like 2026-11-23, 2026-11-23T10:00 or 2026-11-23T10:00:00Z")
                }
            }
        }

        func run() throws {
            let runner = MonitorRunner(
                baseline: URL(fileURLWithPath: baseline), capture: URL(fileURLWithPath: capture),
                output: URL(fileURLWithPath: output), endpoint: endpoint, variant: variant,
                since: since.flatMap(MonitorRunner.parseTimestamp), until: until.flatMap(MonitorRunner.parseTimestamp))
            let display = MonitorProgressDisplay()
            let result: MonitorResult
            do {
                result = try runner.run { display.show($0) }
            } catch {
                display.finish()
                throw MonitorCommand.fail(error.message)
            }
            display.finish()
            print(Self.summary(of: result))
            if failOnViolation, !result.violations.isEmpty { throw ExitCode(MonitorCommand.violationExitCode) }
        }

        static func summary(of result: MonitorResult) -> String {
            var lines = [
                "read \(result.files) files: \(result.records) records, \(result.rows) rows, "
                    + "\(result.corruptLines) corrupt lines, \(result.skippedRecords) records skipped"
            ]
            if result.rows == 0 { lines.append("warning: no captured rows matched, so nothing was compared") }
            let rows = result.features.map { feature in
                [
                    feature.name, feature.inferredType.rawValue, "\(feature.baselineCount)", "\(feature.currentCount)",
                    Self.number(feature.distance), Self.number(feature.threshold), Self.number(feature.psi),
                    feature.drift ? "DRIFT" : feature.distance == nil ? "not compared" : "ok",
                ]
            }
            lines.append(
                TextTable.render(
                    header: ["feature", "type", "baseline", "current", "distance", "threshold", "psi", "verdict"],
                    rows: rows))
            if result.violations.isEmpty {
                lines.append("no violations (\(result.comparisonMethod.rawValue) comparison)")
            } else {
                lines.append("\(result.violations.count) violations (\(result.comparisonMethod.rawValue) comparison):")
                for violation in result.violations {
                    lines.append(
                        "  \(violation.constraintCheckType.rawValue) \(violation.featureName): \(violation.description)"
                    )
                }
            }
            lines.append("report: \(result.reportURL.path)")
            lines.append(
                "wrote \(result.statisticsURL.lastPathComponent), \(result.violationsURL.lastPathComponent), "
                    + "\(result.driftURL.lastPathComponent) and \(result.reportURL.lastPathComponent)")
            return lines.joined(separator: "\n")
        }

        private static func number(_ value: Double?) -> String {
            value.map { String(format: "%.4f", $0) } ?? "-"
        }
    }

    /// Reports `message` on stderr and returns the error exit.
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }
}

/// Progress of a monitoring run on stderr: a bar redrawn in place on a terminal, a plain line per second otherwise.
final class MonitorProgressDisplay {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastShown: ContinuousClock.Instant?
    private var drew = false
    private var shownComplete = false

    func show(_ progress: MonitorProgress) {
        let now = ContinuousClock.now
        let complete = progress.filesDone == progress.filesTotal
        let interval: Duration = isTerminal ? .milliseconds(100) : .seconds(1)
        if let lastShown, now - lastShown < interval, !complete { return }
        if complete, shownComplete { return }
        shownComplete = complete
        lastShown = now
        let share = progress.bytesTotal > 0 ? Double(progress.bytesDone) / Double(progress.bytesTotal) : 1
        let percent = Int((min(max(share, 0), 1) * 100).rounded(.down))
        let text =
            "\(percent)% \(progress.filesDone)/\(progress.filesTotal) files, \(progress.records) records, "
            + "\(progress.corruptLines) corrupt lines"
        if isTerminal {
            let width = 30
            let filled = width * percent / 100
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
        } else {
            FileHandle.standardError.write(Data("progress: \(text)\n".utf8))
        }
        drew = true
    }

    func finish() {
        if isTerminal, drew { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Left-aligned text columns separated by two spaces.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
