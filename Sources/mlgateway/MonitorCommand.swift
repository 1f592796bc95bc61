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

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check captured inputs against a baseline; write statistics, violations and report.html.",
            discussion: """
                Streams the capture files under --capture (endpoint/variant/yyyy/mm/dd/hh/*.jsonl), a directory or an \
                s3://bucket/prefix whose objects are downloaded first (--s3-endpoint and --region, credentials from \
                AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), skipping shadow \
                records unless --variant names a shadow variant. Times are like 2026-11-23, 2026-11-23T10:00 or \
                2026-11-23T10:00:00Z (UTC unless an offset is given); --since is inclusive, --until exclusive. Exits 1 \
                on an error and, with --fail-on-violation, 2 when a constraint is violated.
                """)

        @Option(help: "The baseline directory (statistics.json and constraints.json).")
        var baseline: String

        @Option(help: "The capture destination root: a directory, or s3://bucket/prefix as uploaded by the gateway.")
        var capture: String

        @Option(name: .customLong("s3-endpoint"), help: "The S3-compatible store of an s3:// --capture (default AWS).")
        var s3Endpoint: String?

        @Option(help: "The region of an s3:// --capture (default AWS_REGION, AWS_DEFAULT_REGION, else us-east-1).")
        var region: String?

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
            if let s3Endpoint,
                URL(string: s3Endpoint).map({ ["http", "https"].contains($0.scheme) && $0.host != nil }) != true
            {
                throw ValidationError("--s3-endpoint \(s3Endpoint) is not an http(s)://host[:port] URL")
            }
            for (name, value) in [("--since", since), ("--until", until)] {
                if let value, MonitorRunner.parseTimestamp(value) == nil {
                    throw ValidationError(
                        "\(name) \(value) is not a time like 2026-11-23, 2026-11-23T10:00 or 2026-11-23T10:00:00Z")
                }
            }
        }

        func run() async throws {
            var captureDirectory = URL(fileURLWithPath: capture)
            if let location = try Self.s3Location(capture) {
                captureDirectory = try await download(location)
            }
            let downloaded = captureDirectory.path != URL(fileURLWithPath: capture).path
            defer { if downloaded { try? FileManager.default.removeItem(at: captureDirectory) } }
            let runner = MonitorRunner(
                baseline: URL(fileURLWithPath: baseline), capture: captureDirectory,
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

        static func s3Location(_ text: String) throws -> S3Location? {
            do {
                return try S3Location(parsing: text, allowPrefix: true)
            } catch {
                throw MonitorCommand.fail("--capture \(error.message)")
            }
        }

        /// Downloads every object under `location` into a temporary directory, keeping the keys' layout below the
        /// prefix (`endpoint/variant/yyyy/mm/dd/hh/file.jsonl`), and returns the directory.
        func download(_ location: S3Location) async throws -> URL {
            let environment = ProcessInfo.processInfo.environment
            let region = self.region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
            let client = ObjectStoreClient(
                configuration: ObjectStoreConfiguration(
                    endpoint: s3Endpoint.flatMap(URL.init(string:)) ?? URL(
                        string: "https://s3.\(region).amazonaws.com")!,
                    region: region, accessKeyID: environment["AWS_ACCESS_KEY_ID"],
                    secretAccessKey: environment["AWS_SECRET_ACCESS_KEY"],
                    sessionToken: environment["AWS_SESSION_TOKEN"]))
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "mlgateway-capture-\(UUID().uuidString)")
            let prefix = location.key.isEmpty || location.key.hasSuffix("/") ? location.key : location.key + "/"
            do {
                for object in try await client.list(S3Location(bucket: location.bucket, key: prefix))
                where object.key.hasSuffix(".jsonl") {
                    let file = directory.appendingPathComponent(String(object.key.dropFirst(prefix.count)))
                    try FileManager.default.createDirectory(
                        at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                    let body = try await client.get(object, maxBytes: 1 << 30)
                    try Data(body.readableBytesView).write(to: file)
                }
            } catch let error as ObjectStoreError {
                throw MonitorCommand.fail(error.message)
            }
            return directory
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
