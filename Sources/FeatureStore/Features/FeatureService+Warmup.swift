import Foundation
import WireFormats

extension FeatureService {
    /// Entities per pipelined warm-up batch.
    static let warmupBatchSize = 256
    /// Keys asked per `SCAN` call.
    static let scanCount = 1000
    /// Wait before warm-up tries again after Redis could not be reached; doubles up to ``warmupMaxRetryDelay``.
    static let warmupFirstRetryDelay = Duration.milliseconds(100)
    static let warmupMaxRetryDelay = Duration.seconds(2)

    /// Whether warm-up finished or its deadline passed (true from the start when no view configures warm-up);
    /// the gateway's readiness answers 503 until then.
    public var isWarm: Bool { warmup.withLock { $0.isWarm } }

    /// Entities loaded into the cache by warm-up so far.
    public var warmupKeysLoaded: Int { warmup.withLock { $0.keysLoaded } }

    /// How the last finished warm-up went (nil before one finished, or when no view configures warm-up).
    public var lastWarmupReport: WarmupReport? { warmup.withLock { $0.lastReport } }

    /// Loads the configured hot entities of every view into the cache, views concurrently, each within its
    /// deadline. Never throws: failures are logged and reported, and the service counts as warm afterwards.
    @discardableResult
    public func warmUp() async -> WarmupReport {
        let targets = views.compactMap { view in view.configuration.warmup.map { (view, $0) } }
        warmup.withLock { $0.isWarm = targets.isEmpty }
        let results = await withTaskGroup(of: WarmupReport.View.self) { group in
            for (view, settings) in targets {
                group.addTask { await self.warmUp(view: view, settings: settings) }
            }
            var results: [WarmupReport.View] = []
            for await result in group { results.append(result) }
            return results
        }
        let report = WarmupReport(views: results.sorted { $0.name < $1.name })
        warmup.withLock {
            $0.isWarm = true
            $0.lastReport = targets.isEmpty ? nil : report
        }
        return report
    }

    private enum WarmupEnd: Sendable {
        case finished
        case deadline
        case failed(String)
    }

    private func warmUp(view: View, settings: FeatureViewConfiguration.Warmup) async -> WarmupReport.View {
        let name = view.configuration.name
        let loaded = Locked(0)
        logger.info("Feature warm-up started", metadata: ["view": "\(name)"])
        let end = await Self.race(deadline: settings.deadline) { () async -> WarmupEnd in
            var delay = Self.warmupFirstRetryDelay
            while true {
                do {
                    try await self.load(view: view, source: settings.source, loaded: loaded)
                    return .finished
                } catch let error as RedisError where error.isTransient && !Task.isCancelled {
                    self.logger.warning(
                        "Feature warm-up retrying",
                        metadata: ["view": "\(name)", "error": "\(error)", "delay": "\(delay)"])
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, Self.warmupMaxRetryDelay)
                } catch {
                    return .failed("\(error)")
                }
            }
        }
        let count = loaded.withLock { $0 }
        let outcome: WarmupReport.Outcome
        switch end {
        case .finished:
            outcome = .completed
            logger.info("Feature warm-up finished", metadata: ["view": "\(name)", "keys": "\(count)"])
        case .deadline:
            outcome = .deadlineExceeded
            logger.warning("Feature warm-up deadline passed", metadata: ["view": "\(name)", "keys": "\(count)"])
        case .failed(let reason):
            outcome = .failed(reason)
            logger.warning(
                "Feature warm-up failed", metadata: ["view": "\(name)", "keys": "\(count)", "error": "\(reason)"])
        }
        return WarmupReport.View(name: name, keysLoaded: count, outcome: outcome)
    }

    private func load(
        view: View, source: FeatureViewConfiguration.Warmup.Source, loaded: Locked<Int>
    ) async throws {
        switch source {
        case .keysFile(let path):
            let entities = try Self.readKeysFile(path, entityKeys: view.configuration.entityKeys)
            var start = 0
            while start < entities.count {
                try Task.checkCancellation()
                let end = min(start + Self.warmupBatchSize, entities.count)
                try await loadBatch(Array(entities[start..<end]), view: view, loaded: loaded)
                start = end
            }
        case .scan(let limit):
            let prefix = configuration.key(view: view.configuration.name, entity: "")
            var cursor = "0"
            var remaining = limit
            repeat {
                try Task.checkCancellation()
                let reply = try await redis.command([
                    "SCAN", cursor, "MATCH", Self.globEscaped(prefix) + "*", "COUNT", String(Self.scanCount),
                ])
                guard let parts = reply.array, parts.count == 2, let next = parts[0].string,
                    let keys = parts[1].array
                else { throw RedisError.unexpectedReply(command: "SCAN", reply: "\(reply)") }
                cursor = next
                let entities = keys.prefix(remaining).compactMap {
                    $0.string.map { String($0.dropFirst(prefix.count)) }
                }
                remaining -= entities.count
                var start = 0
                while start < entities.count {
                    let end = min(start + Self.warmupBatchSize, entities.count)
                    try await loadBatch(Array(entities[start..<end]), view: view, loaded: loaded)
                    start = end
                }
            } while cursor != "0" && remaining > 0
        }
    }

    /// Runs `work` until it finishes or `deadline` passes, whichever is first. On the deadline the work is cancelled
    /// but not awaited (a Redis read in flight ends with its command timeout), so warm-up never outlives its deadline.
    private static func race(
        deadline: Duration, _ work: @escaping @Sendable () async -> WarmupEnd
    ) async -> WarmupEnd {
        let tasks = Locked<(work: Task<Void, Never>?, timer: Task<Void, Never>?, done: Bool)>((nil, nil, false))
        let end = await withCheckedContinuation { (continuation: CheckedContinuation<WarmupEnd, Never>) in
            let finish: @Sendable (WarmupEnd) -> Void = { end in
                let first = tasks.withLock { state -> Bool in
                    defer { state.done = true }
                    return !state.done
                }
                if first { continuation.resume(returning: end) }
            }
            let workTask = Task { finish(await work()) }
            let timerTask = Task {
                try? await Task.sleep(for: deadline)
                finish(.deadline)
            }
            tasks.withLock { state in
                state.work = workTask
                state.timer = timerTask
            }
        }
        let (workTask, timerTask) = tasks.withLock { ($0.work, $0.timer) }
        workTask?.cancel()
        timerTask?.cancel()
        return end
    }

    /// Reads the entities of a batch with one pipelined write and caches them.
    private func loadBatch(_ entities: [String], view: View, loaded: Locked<Int>) async throws {
        guard !entities.isEmpty else { return }
        var commands: [[[UInt8]]] = []
        commands.reserveCapacity(entities.count)
        for entity in entities { commands.append(view.reader.command(key: try view.reader.key(entity: entity))) }
        let start = ContinuousClock.now
        let replies = try await redis.pipeline(bytes: commands)
        view.metrics.redisLatency.recordNanoseconds(Self.nanoseconds(ContinuousClock.now - start))
        let fetchedAt = clock.now()
        var records: [(CacheKey, CacheEntry)] = []
        records.reserveCapacity(entities.count)
        for (entity, reply) in zip(entities, replies) {
            let record = try view.reader.record(reply)
            records.append(
                (CacheKey(view: view.index, entity: entity), CacheEntry(record: record, fetchedAt: fetchedAt)))
        }
        cache.withLock { cache in
            for (key, entry) in records { cache.set(key, entry) }
        }
        let viewTotal = loaded.withLock { count in
            count += records.count
            return count
        }
        warmup.withLock { $0.keysLoaded += records.count }
        view.metrics.warmupKeys.record(viewTotal)
        logger.debug(
            "Feature warm-up progress", metadata: ["view": "\(view.configuration.name)", "keys": "\(viewTotal)"])
    }

    /// The entities of a keys file: one per line; blank lines and lines starting with `#` are skipped. A file named
    /// `*.csv` is a table with a header row, such as a Feast entity data frame exported with `to_csv`: the columns
    /// named as the view's entity keys make each row's entity (other columns, such as `event_timestamp`, are
    /// ignored).
    static func readKeysFile(_ path: String, entityKeys: [String]) throws(FeatureStoreError) -> [String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .invalidFile(path: path, reason: "\(error.localizedDescription)")
        }
        if path.lowercased().hasSuffix(".csv") {
            return try entities(csv: String(decoding: data, as: UTF8.self), path: path, entityKeys: entityKeys)
        }
        return String(decoding: data, as: UTF8.self)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    private static func entities(
        csv text: String, path: String, entityKeys: [String]
    ) throws(FeatureStoreError) -> [String] {
        var rows = CSVParser.rows(of: text)[...]
        guard let header = rows.popFirst() else { throw .invalidFile(path: path, reason: "no header row") }
        var columns: [Int] = []
        for key in entityKeys {
            guard let column = header.firstIndex(of: key) else {
                throw .invalidFile(path: path, reason: "the header has no column named '\(key)'")
            }
            columns.append(column)
        }
        return rows.compactMap { row in
            guard row.count == header.count else { return nil }
            return FeatureViewConfiguration.entity(joining: columns.map { row[$0] })
        }
    }

    /// `text` with the glob characters of `SCAN MATCH` escaped.
    static func globEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
