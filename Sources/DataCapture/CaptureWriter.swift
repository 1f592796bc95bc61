import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import WireFormats

/// Writes capture records to JSON Lines files from one dedicated writer thread.
///
/// Request handlers call ``submit(_:configuration:)``, which never blocks or awaits: it queues the record, or refuses
/// it when the bounded queue is full and counts the drop (`mlgateway_capture_dropped_total`). ``run()`` owns the
/// writer thread; ``shutdown()`` (or graceful shutdown of the service group, or cancelling `run()`) stops intake,
/// writes every accepted record, fsyncs and closes the files, and only then lets `run()` return.
public final class CaptureWriter: Sendable {
    let queue: CaptureQueue
    let metrics = CaptureMetrics()
    let logger: Logger
    /// This process's name in a fleet, part of every file name (`{time}-{replica}-{uuid}.jsonl`).
    let replicaID: String
    /// The files being written; a capture file not in this set is closed for good (files are never reopened).
    private let openPaths = Mutex<Set<String>>([])
    private let fileSystem: any CaptureFileSystem
    private let clock: @Sendable () -> Date
    private let writeBufferBytes: Int
    private let idleInterval: TimeInterval
    private let linger: TimeInterval
    private let started = Atomic<Bool>(false)
    let acceptedCount = Atomic<Int>(0)
    let droppedCount = Atomic<Int>(0)
    let writtenCount = Atomic<Int>(0)
    let byteCount = Atomic<Int>(0)
    let errorCount = Atomic<Int>(0)

    /// Creates a writer.
    /// - Parameters:
    ///   - queueCapacity: records that may wait for the writer; beyond that, records are dropped and counted.
    ///   - logger: where I/O errors are reported.
    ///   - replicaID: this process's name in a fleet, part of every file's name.
    public convenience init(
        queueCapacity: Int = 10_000, replicaID: String = "gateway", logger: Logger = Logger(label: "mlgateway.capture")
    ) {
        self.init(
            queueCapacity: queueCapacity, fileSystem: PosixCaptureFileSystem(), replicaID: replicaID, logger: logger)
    }

    /// Whether the writer still writes the file at `path` (an uploader leaves such files alone).
    public func isOpen(path: String) -> Bool { openPaths.withLock { $0.contains(path) } }

    func opening(_ path: String) { _ = openPaths.withLock { $0.insert(path) } }

    func closed(_ path: String) { _ = openPaths.withLock { $0.remove(path) } }

    init(
        queueCapacity: Int,
        fileSystem: any CaptureFileSystem,
        clock: @escaping @Sendable () -> Date = { Date() },
        writeBufferBytes: Int = 256 * 1024,
        idleInterval: TimeInterval = 1,
        linger: TimeInterval = 0.01,
        replicaID: String = "gateway",
        logger: Logger
    ) {
        self.queue = CaptureQueue(capacity: queueCapacity)
        self.replicaID = replicaID
        self.fileSystem = fileSystem
        self.clock = clock
        self.writeBufferBytes = writeBufferBytes
        self.idleInterval = idleInterval
        self.linger = linger
        self.logger = logger
    }

    /// Hands a record to the writer without waiting. Returns `false` (and counts the drop) when the queue is full or
    /// the writer was shut down.
    @discardableResult
    public func submit(_ record: CaptureRecord, configuration: CaptureConfiguration) -> Bool {
        switch queue.offer(CaptureQueue.Entry(record: record, configuration: configuration)) {
        case .accepted:
            acceptedCount.add(1, ordering: .relaxed)
            return true
        case .full:
            dropped(endpoint: record.endpoint, variant: record.variant, reason: .queueFull, count: 1)
            return false
        case .closed:
            dropped(endpoint: record.endpoint, variant: record.variant, reason: .shutdown, count: 1)
            return false
        }
    }

    /// Runs the writer until ``shutdown()``, graceful shutdown of the surrounding service group, or cancellation;
    /// returns once every accepted record is written, synced and closed, and logs the counts. A second call returns at
    /// once.
    public func run() async {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let thread = Thread { [self] in
                        writeUntilClosed()
                        continuation.resume()
                    }
                    thread.name = "mlgateway-capture-writer"
                    thread.start()
                }
            } onCancel: {
                shutdown()
            }
        } onGracefulShutdown: {
            self.shutdown()
        }
        let statistics = self.statistics
        logger.info(
            "Capture writer stopped",
            metadata: [
                "written": "\(statistics.written)", "dropped": "\(statistics.dropped)",
                "write_errors": "\(statistics.writeErrors)",
            ])
    }

    /// Stops accepting records; ``run()`` returns after writing everything accepted so far.
    public func shutdown() {
        queue.close()
    }

    /// The counts since creation.
    public var statistics: CaptureStatistics {
        CaptureStatistics(
            accepted: acceptedCount.load(ordering: .relaxed),
            dropped: droppedCount.load(ordering: .relaxed),
            written: writtenCount.load(ordering: .relaxed),
            bytes: byteCount.load(ordering: .relaxed),
            writeErrors: errorCount.load(ordering: .relaxed)
        )
    }

    func dropped(endpoint: String, variant: String, reason: CaptureDropReason, count: Int) {
        droppedCount.add(count, ordering: .relaxed)
        metrics.dropped(endpoint: endpoint, variant: variant, reason: reason, count: count)
    }

    private func writeUntilClosed() {
        var files = CaptureFileSet(writer: self, fileSystem: fileSystem, writeBufferBytes: writeBufferBytes)
        var batch: [CaptureQueue.Entry] = []
        while queue.take(into: &batch, waitingUntil: Date(timeIntervalSinceNow: idleInterval), linger: linger) {
            metrics.queueDepth.record(batch.count)
            for entry in batch {
                files.append(entry)
            }
            batch.removeAll(keepingCapacity: true)
            files.flushAll()
            files.closeFiles(before: UTCTime(clock()).epochHour)
            metrics.queueDepth.record(queue.depth)
        }
        files.closeAll()
        metrics.queueDepth.record(0)
    }
}

extension CaptureWriter: Service {}
