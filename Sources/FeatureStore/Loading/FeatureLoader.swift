import Foundation

/// Loads feature rows from CSV or JSON Lines files into Redis in the native layout, and reads single entities
/// (`mlgateway features load` / `features get`). It never prints; the CLI reports progress and the summary.
///
/// Rows are written in batches: one pipelined write of `MULTI`, per row `HSET` (+ `HDEL` of its empty features,
/// + `PEXPIRE` with a TTL), `EXEC`. A batch is applied atomically, so no row is ever half written, even if the
/// connection drops. Bad rows are reported with their line numbers and skipped (or stop the load).
public struct FeatureLoader: Sendable {
    /// The input format.
    public enum Format: String, Sendable {
        /// Comma-separated values with a header row naming the columns.
        case csv
        /// One JSON object per line.
        case jsonLines

        /// The format for a file name ending in `.csv`, `.jsonl` or `.ndjson`.
        public init?(path: String) {
            let lowered = path.lowercased()
            if lowered.hasSuffix(".csv") {
                self = .csv
            } else if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") {
                self = .jsonLines
            } else {
                return nil
            }
        }
    }

    /// How to load.
    public struct Options: Sendable {
        /// The column(s) holding the entity key, in the view's key order (`--entity-column`).
        public var entityColumns: [String]
        /// Expiry of the written hashes (`--ttl`), if any.
        public var ttl: Duration?
        /// Rows per `MULTI`/`EXEC` batch (`--batch`).
        public var batchSize: Int
        /// Stop at the first bad row instead of skipping it.
        public var stopOnError: Bool
        /// The format; from the file extension when `nil`.
        public var format: Format?

        /// Creates options.
        public init(
            entityColumns: [String], ttl: Duration? = nil, batchSize: Int = 1000, stopOnError: Bool = false,
            format: Format? = nil
        ) {
            self.entityColumns = entityColumns
            self.ttl = ttl
            self.batchSize = batchSize
            self.stopOnError = stopOnError
            self.format = format
        }
    }

    /// A row that was not written.
    public struct BadRow: Sendable, Hashable, CustomStringConvertible {
        /// The 1-based line number in the file.
        public let line: Int
        /// Why it was rejected.
        public let reason: String

        public var description: String { "line \(line): \(reason)" }
    }

    /// Progress after each batch.
    public struct Progress: Sendable {
        /// Data rows read so far.
        public let rowsRead: Int
        /// Rows written so far.
        public let rowsWritten: Int
        /// Bad rows so far.
        public let badRows: Int
        /// Time since the load started.
        public let elapsed: Duration

        /// Rows written per second so far.
        public var rowsPerSecond: Double { Self.rate(rowsWritten, elapsed) }

        static func rate(_ rows: Int, _ elapsed: Duration) -> Double {
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return seconds > 0 ? Double(rows) / seconds : 0
        }
    }

    /// The outcome of a load.
    public struct Summary: Sendable {
        /// Data rows read.
        public let rowsRead: Int
        /// Rows written.
        public let rowsWritten: Int
        /// Bad rows (not written), the first ``FeatureLoader/maxReportedBadRows`` of them.
        public let badRows: [BadRow]
        /// All bad rows, including those beyond the reported ones.
        public let badRowCount: Int
        /// Whether the load stopped at a bad row (`stopOnError`).
        public let stoppedEarly: Bool
        /// Time the load took.
        public let elapsed: Duration

        /// Rows written per second.
        public var rowsPerSecond: Double { Progress.rate(rowsWritten, elapsed) }
    }

    /// Bad rows listed in a summary at most.
    public static let maxReportedBadRows = 1000

    let redis: RedisClient
    let configuration: FeatureStoreConfiguration
    let unixMilliseconds: @Sendable () -> Int64

    /// Creates a loader writing through `redis` with the key layout of `configuration`.
    public init(redis: RedisClient, configuration: FeatureStoreConfiguration) {
        self.init(redis: redis, configuration: configuration, unixMilliseconds: FeatureClock.system.unixMilliseconds)
    }

    init(
        redis: RedisClient, configuration: FeatureStoreConfiguration, unixMilliseconds: @escaping @Sendable () -> Int64
    ) {
        self.redis = redis
        self.configuration = configuration
        self.unixMilliseconds = unixMilliseconds
    }

    /// The stored fields of `entity` in `view` (features and `_ts`), or `nil` if there is no such entity.
    public func get(view: FeatureViewConfiguration, entity: String) async throws(FeatureStoreError) -> [String: String]?
    {
        let key = configuration.key(view: view.name, entity: entity)
        let reply: RESPValue
        do {
            reply = try await redis.command(["HGETALL", key])
        } catch {
            throw .readFailed(key: key, reason: error)
        }
        guard let elements = reply.array else {
            throw .readFailed(key: key, reason: .unexpectedReply(command: "HGETALL", reply: "\(reply)"))
        }
        guard !elements.isEmpty else { return nil }
        var fields: [String: String] = [:]
        var index = 0
        while index + 1 < elements.count {
            if let name = elements[index].string { fields[name] = elements[index + 1].string ?? "" }
            index += 2
        }
        return fields
    }

    /// Loads `path` into `view`, calling `progress` after each batch.
    public func load(
        path: String, view: FeatureViewConfiguration, options: Options,
        progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws(FeatureStoreError) -> Summary {
        try view.validate()
        guard let format = options.format ?? Format(path: path) else {
            throw .invalidFile(path: path, reason: "unknown format: name it .csv, .jsonl or .ndjson")
        }
        guard options.entityColumns.count == view.entityKeys.count else {
            throw .invalidConfiguration(
                "view '\(view.name)' has \(view.entityKeys.count) entity key part(s) but "
                    + "\(options.entityColumns.count) entity column(s) were given")
        }
        var reader = try LineReader(path: path)
        defer { reader.close() }
        var parser: RowParser
        switch format {
        case .csv:
            guard let header = reader.next() else { throw .invalidFile(path: path, reason: "the file is empty") }
            parser = try RowParser.csv(header: header, view: view, entityColumns: options.entityColumns, path: path)
        case .jsonLines:
            parser = RowParser.jsonLines(view: view, entityColumns: options.entityColumns)
        }
        let script = try await loadRowScript(path: path)
        let start = ContinuousClock.now
        var state = LoadState()
        var batch: [ParsedRow] = []
        let batchSize = max(1, options.batchSize)
        reading: while let (line, text) = Self.nextRecord(&reader, format: format) {
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            state.rowsRead += 1
            switch parser.parse(text, line: line, now: unixMilliseconds) {
            case .row(let row):
                batch.append(row)
            case .bad(let bad):
                state.reject(bad)
                if options.stopOnError {
                    state.stoppedEarly = true
                    break reading
                }
            }
            if batch.count >= batchSize {
                try await write(batch, view: view, script: script, options: options, path: path, state: &state)
                batch.removeAll(keepingCapacity: true)
                progress(state.progress(since: start))
            }
        }
        if !batch.isEmpty {
            try await write(batch, view: view, script: script, options: options, path: path, state: &state)
            progress(state.progress(since: start))
        }
        return Summary(
            rowsRead: state.rowsRead, rowsWritten: state.rowsWritten, badRows: state.badRows,
            badRowCount: state.badRowCount, stoppedEarly: state.stoppedEarly, elapsed: ContinuousClock.now - start)
    }

    /// The next record and its first line number; a CSV record continues over line breaks inside quotes.
    private static func nextRecord(_ reader: inout LineReader, format: Format) -> (Int, String)? {
        guard var text = reader.next() else { return nil }
        let line = reader.lineNumber
        if format == .csv {
            while text.utf8.lazy.filter({ $0 == UInt8(ascii: "\"") }).count % 2 == 1, let more = reader.next() {
                text += "\n" + more
            }
        }
        return (line, text)
    }

    /// Writes one row in one step: `HSET` first, then `HDEL` and `PEXPIRE`. A Lua script stops at the first command
    /// Redis rejects, so a rejected row (e.g. `WRONGTYPE`) changes nothing, not even the TTL of the key in the way.
    /// Arguments: the number of `HSET` arguments, the number of `HDEL` fields, the TTL in milliseconds (0: none),
    /// then those arguments and fields.
    static let rowScript = """
        local set, del, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
        redis.call('HSET', KEYS[1], unpack(ARGV, 4, 3 + set))
        if del > 0 then redis.call('HDEL', KEYS[1], unpack(ARGV, 4 + set, 3 + set + del)) end
        if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
        return 1
        """

    /// Loads ``rowScript`` into Redis's script cache; returns its SHA-1 for `EVALSHA`.
    private func loadRowScript(path: String) async throws(FeatureStoreError) -> String {
        let reply: RESPValue
        do {
            reply = try await redis.command(["SCRIPT", "LOAD", Self.rowScript])
        } catch {
            throw .writeFailed(path: path, line: 0, reason: error)
        }
        guard let sha = reply.string else {
            throw .writeFailed(path: path, line: 0, reason: .unexpectedReply(command: "SCRIPT LOAD", reply: "\(reply)"))
        }
        return sha
    }

    /// Writes one batch atomically (`MULTI`, one ``rowScript`` call per row, `EXEC`) and records written and
    /// rejected rows.
    private func write(
        _ rows: [ParsedRow], view: FeatureViewConfiguration, script: String, options: Options, path: String,
        state: inout LoadState
    ) async throws(FeatureStoreError) {
        var commands: [[String]] = [["MULTI"]]
        commands.reserveCapacity(rows.count + 2)
        let ttl = options.ttl.map { String(FeatureService.milliseconds($0)) } ?? "0"
        for row in rows {
            let key = configuration.key(view: view.name, entity: row.entity)
            var set: [String] = []
            var missing: [String] = []
            for (feature, value) in zip(view.features, row.values) {
                switch value {
                case .some(let text):
                    set.append(feature)
                    set.append(text)
                case .none where row.present.contains(feature):
                    missing.append(feature)
                case .none:
                    break
                }
            }
            set.append(FeatureRecord.timestampField)
            set.append(String(row.timestamp))
            commands.append(
                ["EVALSHA", script, "1", key, String(set.count), String(missing.count), ttl] + set + missing)
        }
        commands.append(["EXEC"])
        let lastLine = rows.last?.line ?? 0
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline(commands)
        } catch {
            throw .writeFailed(path: path, line: lastLine, reason: error)
        }
        guard let exec = replies.last else {
            throw .writeFailed(path: path, line: lastLine, reason: .unexpectedReply(command: "EXEC", reply: "none"))
        }
        guard case .array(let results) = exec, results.count == commands.count - 2 else {
            let reason: RedisError =
                if case .error(let message) = exec { .server(message) } else {
                    .unexpectedReply(command: "EXEC", reply: "\(exec)")
                }
            throw .writeFailed(path: path, line: lastLine, reason: reason)
        }
        for (row, result) in zip(rows, results) {
            if case .error(let message) = result {
                state.reject(BadRow(line: row.line, reason: "Redis rejected the row: \(Self.scriptError(message))"))
            } else {
                state.rowsWritten += 1
            }
        }
    }
}

extension FeatureLoader {
    /// The error of a command inside ``rowScript`` without the script context Redis wraps it in
    /// (`WRONGTYPE Operation against a key holding the wrong kind of value script: …, on @user_script:2.`).
    static func scriptError(_ message: String) -> String {
        guard let range = message.range(of: " script: ") else { return message }
        return String(message[..<range.lowerBound])
    }
}

/// Counters of a load in progress.
struct LoadState {
    var rowsRead = 0
    var rowsWritten = 0
    var badRows: [FeatureLoader.BadRow] = []
    var badRowCount = 0
    var stoppedEarly = false

    mutating func reject(_ row: FeatureLoader.BadRow) {
        badRowCount += 1
        if badRows.count < FeatureLoader.maxReportedBadRows { badRows.append(row) }
    }

    func progress(since start: ContinuousClock.Instant) -> FeatureLoader.Progress {
        FeatureLoader.Progress(
            rowsRead: rowsRead, rowsWritten: rowsWritten, badRows: badRowCount, elapsed: ContinuousClock.now - start)
    }
}
