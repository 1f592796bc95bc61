import Foundation
import Logging
import Metrics
import WireFormats

/// The writer thread's open files: one per destination, endpoint and variant, each holding records of one UTC hour.
///
/// Lines are encoded whole into a per-file buffer and written with one `write` per buffer, so a file only ever grows
/// by whole lines. When a write fails, the file is cut back to its last good size, closed, and the lines counted as
/// dropped; the next record opens a fresh file. Files are always created new: the writer never appends to a file
/// it did not create, so a partial line left by a crash is never continued.
struct CaptureFileSet {
    private struct Key: Hashable {
        var destination: String
        var endpoint: String
        var variant: String
    }

    private final class OpenFile {
        let file: any CaptureFile
        let path: String
        let endpoint: String
        let variant: String
        let epochHour: Int64
        let records: Counter
        let bytes: Counter
        var committedBytes = 0
        var buffer: [UInt8] = []
        var bufferedLines = 0

        init(
            file: any CaptureFile, path: String, endpoint: String, variant: String, epochHour: Int64,
            metrics: CaptureMetrics
        ) {
            self.file = file
            self.path = path
            self.endpoint = endpoint
            self.variant = variant
            self.epochHour = epochHour
            self.records = metrics.records(endpoint: endpoint, variant: variant)
            self.bytes = metrics.bytes(endpoint: endpoint, variant: variant)
        }

        var size: Int { committedBytes + buffer.count }
    }

    private let writer: CaptureWriter
    private let fileSystem: any CaptureFileSystem
    private let writeBufferBytes: Int
    private var files: [Key: OpenFile] = [:]
    private var line: [UInt8] = []

    init(writer: CaptureWriter, fileSystem: any CaptureFileSystem, writeBufferBytes: Int) {
        self.writer = writer
        self.fileSystem = fileSystem
        self.writeBufferBytes = writeBufferBytes
    }

    /// Encodes the record and buffers it into its file, rotating by hour and size first.
    mutating func append(_ entry: CaptureQueue.Entry) {
        let record = entry.record
        line.removeAll(keepingCapacity: true)
        record.appendJSONLine(configuration: entry.configuration, to: &line)
        let time = UTCTime(record.inferenceTime)
        let key = Key(
            destination: entry.configuration.destinationPath, endpoint: record.endpoint, variant: record.variant)
        if let open = files[key],
            open.epochHour != time.epochHour
                || (open.size > 0 && open.size + line.count > entry.configuration.maxFileBytes)
        {
            close(key)
        }
        guard let open = files[key] ?? openFile(key, time: time) else {
            writer.dropped(endpoint: record.endpoint, variant: record.variant, reason: .writeError, count: 1)
            return
        }
        open.buffer.append(contentsOf: line)
        open.bufferedLines += 1
        if open.buffer.count >= writeBufferBytes {
            flush(key, open)
        }
    }

    /// Hands every buffered line to the kernel.
    mutating func flushAll() {
        for (key, open) in files where !open.buffer.isEmpty {
            flush(key, open)
        }
    }

    /// Flushes, fsyncs and closes the files of hours before `epochHour`.
    mutating func closeFiles(before epochHour: Int64) {
        for (key, open) in files where open.epochHour < epochHour {
            close(key)
        }
    }

    /// Flushes, fsyncs and closes every file.
    mutating func closeAll() {
        for key in Array(files.keys) {
            close(key)
        }
    }

    private mutating func openFile(_ key: Key, time: UTCTime) -> OpenFile? {
        let directory = [
            key.destination, Self.pathComponent(key.endpoint), Self.pathComponent(key.variant), time.hourPath,
        ]
        .joined(separator: "/")
        let path = "\(directory)/\(time.fileTimePrefix)-\(writer.replicaID)-\(UUID().uuidString.lowercased()).jsonl"
        writer.opening(path)
        do {
            try fileSystem.createDirectory(atPath: directory)
            let file = try fileSystem.createFile(atPath: path)
            let open = OpenFile(
                file: file, path: path, endpoint: key.endpoint, variant: key.variant, epochHour: time.epochHour,
                metrics: writer.metrics)
            files[key] = open
            return open
        } catch {
            writer.closed(path)
            failed(endpoint: key.endpoint, variant: key.variant, path: path, error: error)
            return nil
        }
    }

    private mutating func flush(_ key: Key, _ open: OpenFile) {
        guard !open.buffer.isEmpty else { return }
        do {
            try open.buffer.withUnsafeBytes { try open.file.append($0) }
        } catch {
            failed(endpoint: open.endpoint, variant: open.variant, path: open.path, error: error)
            writer.dropped(
                endpoint: open.endpoint, variant: open.variant, reason: .writeError, count: open.bufferedLines)
            try? open.file.truncate(toSize: open.committedBytes)
            try? open.file.closeFile()
            writer.closed(open.path)
            files[key] = nil
            return
        }
        open.committedBytes += open.buffer.count
        open.records.increment(by: open.bufferedLines)
        open.bytes.increment(by: open.buffer.count)
        writer.writtenCount.add(open.bufferedLines, ordering: .relaxed)
        writer.byteCount.add(open.buffer.count, ordering: .relaxed)
        open.buffer.removeAll(keepingCapacity: true)
        open.bufferedLines = 0
    }

    private mutating func close(_ key: Key) {
        guard let open = files[key] else { return }
        flush(key, open)
        guard files[key] != nil else { return }
        files[key] = nil
        defer { writer.closed(open.path) }
        do {
            try open.file.synchronize()
            try open.file.closeFile()
        } catch {
            failed(endpoint: open.endpoint, variant: open.variant, path: open.path, error: error)
        }
    }

    private func failed(endpoint: String, variant: String, path: String, error: any Error) {
        writer.errorCount.add(1, ordering: .relaxed)
        writer.metrics.writeErrors(endpoint: endpoint, variant: variant).increment()
        writer.logger.error(
            "Capture file operation failed",
            metadata: ["endpoint": "\(endpoint)", "variant": "\(variant)", "path": "\(path)", "error": "\(error)"]
        )
    }

    /// A name safe as one path component: `/` and a leading `.` cannot escape the destination.
    private static func pathComponent(_ name: String) -> String {
        guard name.contains("/") || name.hasPrefix(".") || name.isEmpty else { return name }
        let replaced = name.replacingOccurrences(of: "/", with: "_")
        return replaced.hasPrefix(".") || replaced.isEmpty ? "_" + replaced : replaced
    }
}
