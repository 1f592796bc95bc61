import ArgumentParser
import FeatureStore
import Foundation
import Gateway
import InvocationCore
import WireFormats

/// `mlgateway features load|get`: write features into the online store and inspect one entity.
struct FeaturesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features", abstract: "Load and inspect online features in Redis.",
        subcommands: [Load.self, Get.self])

    /// The feature store and one view of the configuration.
    struct Target {
        let store: FeatureStoreConfiguration
        let view: FeatureViewConfiguration
        let redis: RedisClient

        init(options: ConfigOptions, view name: String) throws {
            let configuration = try options.load()
            guard let store = configuration.featureStore else {
                throw ValidationError("\(options.config) has no [feature_store] table")
            }
            if case .feast = store.layout {
                throw ValidationError(
                    "\(options.config) reads a Feast online store (layout = \"feast\"): Feast writes it "
                        + "(feast materialize) and reads it (feast get-online-features); `mlgateway features` works "
                        + "on the native layout")
            }
            guard let view = configuration.featureViews.first(where: { $0.name == name }) else {
                let known = configuration.featureViews.map(\.name).joined(separator: ", ")
                throw ValidationError("\(options.config) has no [[feature_view]] named \"\(name)\" (views: \(known))")
            }
            self.store = store
            self.view = view
            self.redis = RedisClient(configuration: store.redisClientConfiguration)
        }
    }

    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a CSV (with header) or JSON Lines file into a feature view with pipelined writes.",
            discussion: """
                Each row is written whole (one MULTI/EXEC per batch) or not at all. Bad rows are reported with their \
                line numbers and skipped (or stop the load with --stop-on-error); the command exits 1 if any row was bad.
                """)

        @OptionGroup var options: ConfigOptions

        @Option(help: "The feature view to write.")
        var view: String

        @Option(
            name: .customLong("entity-column"),
            help: "Column (or JSON field) holding the entity key; repeat for composite keys, in the view's key order.")
        var entityColumns: [String]

        @Option(help: "Expire the written entities after this long, e.g. 7d.")
        var ttl: String?

        @Option(help: "Rows per pipelined batch.")
        var batch = 1000

        @Flag(name: .customLong("stop-on-error"), help: "Stop at the first bad row.")
        var stopOnError = false

        @Argument(help: "The file: .csv (header row) or .jsonl / .ndjson.")
        var file: String

        func run() async throws {
            let target = try Target(options: options, view: view)
            var expiry: Duration?
            if let ttl {
                guard let parsed = Duration(configText: ttl) else {
                    throw ValidationError("--ttl \(ttl) is not a duration like 7d or 12h")
                }
                guard parsed >= .milliseconds(1) else {
                    throw ValidationError(
                        "--ttl must be at least 1ms (Redis deletes a key whose TTL is 0); omit it to keep entities")
                }
                expiry = parsed
            }
            guard batch > 0 else { throw ValidationError("--batch must be at least 1") }
            let loader = FeatureLoader(redis: target.redis, configuration: target.store)
            let progress = ProgressPrinter()
            let summary: FeatureLoader.Summary
            do {
                summary = try await loader.load(
                    path: file, view: target.view,
                    options: .init(
                        entityColumns: entityColumns, ttl: expiry, batchSize: batch, stopOnError: stopOnError),
                    progress: { progress.show($0) })
            } catch {
                await target.redis.shutdown()
                progress.finish()
                FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
            await target.redis.shutdown()
            progress.finish()
            let rate = Int(summary.rowsPerSecond.rounded())
            let seconds =
                Double(summary.elapsed.components.seconds) + Double(summary.elapsed.components.attoseconds) / 1e18
            print(
                "loaded \(summary.rowsWritten) of \(summary.rowsRead) rows into view \(view) in "
                    + String(format: "%.2f", seconds) + " s (\(rate) rows/s); \(summary.badRowCount) bad rows"
                    + (summary.stoppedEarly ? "; stopped at the first bad row" : ""))
            for bad in summary.badRows.prefix(50) { print("  \(file):\(bad.line): \(bad.reason)") }
            if summary.badRowCount > 50 { print("  … and \(summary.badRowCount - 50) more") }
            if summary.badRowCount > 0 { throw ExitCode(1) }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the stored features of one entity as JSON.")

        @OptionGroup var options: ConfigOptions

        @Option(help: "The feature view to read.")
        var view: String

        @Argument(help: "The entity key (composite keys joined with '|').")
        var key: String

        func run() async throws {
            let target = try Target(options: options, view: view)
            let loader = FeatureLoader(redis: target.redis, configuration: target.store)
            let fields: [String: String]?
            do {
                fields = try await loader.get(view: target.view, entity: key)
            } catch {
                await target.redis.shutdown()
                FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
            await target.redis.shutdown()
            guard let fields else {
                FileHandle.standardError.write(Data("no entity \(key) in view \(view)\n".utf8))
                throw ExitCode(1)
            }
            let ordered = target.view.features + fields.keys.filter { !target.view.features.contains($0) }.sorted()
            let members = ordered.compactMap { name in
                fields[name].map { "  \(JSONText.quoted(name)): \(JSONText.quoted($0))" }
            }
            print("{\n\(members.joined(separator: ",\n"))\n}")
        }
    }
}

/// Progress of a long load: a bar redrawn in place on a terminal, a plain line per second otherwise.
final class ProgressPrinter: @unchecked Sendable {
    private let lock = NSLock()
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastLine = ContinuousClock.now
    private var drew = false

    func show(_ progress: FeatureLoader.Progress) {
        lock.withLock {
            let text =
                "\(progress.rowsWritten) rows written, \(Int(progress.rowsPerSecond.rounded())) rows/s, \(progress.badRows) bad"
            if isTerminal {
                let width = 24
                let filled = min(width, progress.rowsWritten / 1000 % (width + 1))
                let bar = String(repeating: "=", count: filled) + ">" + String(repeating: " ", count: width - filled)
                FileHandle.standardError.write(Data("\r[\(bar)] \(text)\u{1B}[K".utf8))
                drew = true
            } else if ContinuousClock.now - lastLine >= .seconds(1) {
                lastLine = .now
                FileHandle.standardError.write(Data("progress: \(text)\n".utf8))
            }
        }
    }

    func finish() {
        lock.withLock {
            if drew { FileHandle.standardError.write(Data("\n".utf8)) }
        }
    }
}
