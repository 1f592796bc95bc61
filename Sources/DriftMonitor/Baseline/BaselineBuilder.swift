import Foundation
import WireFormats

/// Builds a Model Monitor baseline (`statistics.json`, `constraints.json`) from a training dataset.
public enum BaselineBuilder {
    /// Reads `dataset` — CSV with a header row (`.csv`), or JSON Lines objects (`.jsonl`, `.json`, or content starting
    /// with `{`) — in one streaming pass and writes the baseline files into `output` (created when missing).
    /// `droppedColumns` names columns (CSV) or fields (JSON Lines) left out of the baseline, such as the label, which
    /// the model's inputs do not have; captured CSV rows then map to the remaining columns in order.
    /// - Throws: ``DriftMonitorError`` when the dataset is missing, a directory, empty, malformed (an unterminated
    ///   quote, a row whose field count differs from the header's, a repeated column name, a JSON array instead of
    ///   JSON Lines), names no such dropped column, or output cannot be written.
    public static func build(dataset: URL, output: URL, droppedColumns: [String] = []) throws(DriftMonitorError)
        -> BaselineSummary
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataset.path, isDirectory: &isDirectory) else {
            throw DriftMonitorError("dataset not found: \(dataset.path)")
        }
        guard !isDirectory.boolValue else {
            throw DriftMonitorError("dataset is a directory, not a file: \(dataset.path)")
        }
        let dropped = Set(droppedColumns)
        let (accumulator, corruptLines) =
            try isJSONLines(dataset)
            ? try readJSONLines(dataset, dropping: dropped) : try readCSV(dataset, dropping: dropped)
        guard accumulator.rows > 0 else { throw DriftMonitorError("dataset has no rows: \(dataset.path)") }
        guard !accumulator.features.isEmpty else { throw DriftMonitorError("dataset has no columns: \(dataset.path)") }

        try createDirectory(output)
        let statistics = StatisticsDocument(
            dataset: .init(itemCount: accumulator.rows), features: accumulator.features.map { $0.statistics() })
        let constraints = ConstraintsDocument(
            features: accumulator.features.map { $0.constraints() },
            monitoringConfig: ConstraintsDocument.defaultMonitoringConfig)
        let statisticsURL = output.appendingPathComponent("statistics.json")
        let constraintsURL = output.appendingPathComponent("constraints.json")
        try JSONFiles.write(statistics, to: statisticsURL)
        try JSONFiles.write(constraints, to: constraintsURL)
        return BaselineSummary(
            itemCount: accumulator.rows,
            features: accumulator.features.map {
                .init(name: $0.name, inferredType: $0.inferredType, completeness: $0.completeness)
            },
            corruptLines: corruptLines, statisticsURL: statisticsURL, constraintsURL: constraintsURL)
    }

    static func createDirectory(_ url: URL) throws(DriftMonitorError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw DriftMonitorError("cannot create output directory \(url.path): \(error.localizedDescription)")
        }
    }

    private static func isJSONLines(_ url: URL) throws(DriftMonitorError) -> Bool {
        let first = try firstSignificantByte(of: url)
        switch url.pathExtension.lowercased() {
        case "csv": return false
        case "jsonl", "json", "ndjson":
            if first == UInt8(ascii: "[") {
                throw DriftMonitorError(
                    "dataset is a JSON array; write one JSON object per line (JSON Lines) instead: \(url.path)")
            }
            return true
        default: return first == UInt8(ascii: "{")
        }
    }

    /// The first byte of the file that is neither whitespace nor part of a byte order mark (within its first 64 KiB).
    private static func firstSignificantByte(of url: URL) throws(DriftMonitorError) -> UInt8? {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let head = try handle.read(upToCount: 1 << 16) ?? Data()
            return head.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) && !FileChunks.byteOrderMark.contains($0) }
        } catch {
            throw DriftMonitorError("cannot read \(url.path): \(error.localizedDescription)")
        }
    }

    private static func readCSV(_ url: URL, dropping dropped: Set<String>) throws(DriftMonitorError)
        -> (DatasetAccumulator, Int)
    {
        var parser = CSVParser()
        var header: [String]?
        var kept: [Int] = []
        var accumulator: DatasetAccumulator?
        let handle = { (row: [String], line: Int) throws(DriftMonitorError) in
            guard let header else {
                let names = try columnNames(row, dropping: dropped, file: url)
                header = names
                kept = names.indices.filter { !dropped.contains(names[$0]) }
                accumulator = DatasetAccumulator(featureNames: kept.map { names[$0] }, growable: false)
                return
            }
            guard row.count == header.count else {
                throw DriftMonitorError(
                    "dataset line \(line) has \(row.count) fields, the header has \(header.count): \(url.path)")
            }
            accumulator?.addPositional(kept.map { row[$0] })
        }
        try FileChunks.read(url, droppingByteOrderMark: true) { (chunk) throws(DriftMonitorError) in
            try parser.feed(chunk, onRow: handle)
        }
        if let line = parser.openQuoteLine {
            throw DriftMonitorError(
                "dataset has a quoted field opened on line \(line) that is never closed: \(url.path)")
        }
        try parser.finish(onRow: handle)
        guard let accumulator else { throw DriftMonitorError("dataset has no header row: \(url.path)") }
        return (accumulator, 0)
    }

    /// The header row's column names, trimmed; each must be present and unique, and every dropped name must be
    /// among them.
    private static func columnNames(_ row: [String], dropping dropped: Set<String>, file url: URL)
        throws(DriftMonitorError) -> [String]
    {
        let names = row.map { $0.trimmingCharacters(in: .whitespaces) }
        var positions: [String: Int] = [:]
        for (position, name) in names.enumerated() {
            guard !name.isEmpty else {
                throw DriftMonitorError(
                    "dataset header has an empty column name at position \(position + 1): \(url.path)")
            }
            if let earlier = positions[name] {
                throw DriftMonitorError(
                    "dataset header repeats the column name \"\(name)\" (positions \(earlier + 1) and "
                        + "\(position + 1)): \(url.path)")
            }
            positions[name] = position
        }
        if let missing = dropped.sorted().first(where: { positions[$0] == nil }) {
            throw DriftMonitorError("dataset has no column \"\(missing)\" to drop: \(url.path)")
        }
        return names
    }

    private static func readJSONLines(_ url: URL, dropping dropped: Set<String>) throws(DriftMonitorError)
        -> (DatasetAccumulator, Int)
    {
        var accumulator = DatasetAccumulator(featureNames: [], growable: true)
        var corrupt = 0
        var seenDropped: Set<String> = []
        try FileChunks.lines(url, droppingByteOrderMark: true) { line, _ in
            guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { return }
            guard let value = try? JSONParser.parse(line) else {
                corrupt += 1
                return
            }
            for row in Row.rows(json: [value]) {
                switch row {
                case .named(let values):
                    for (name, _) in values where dropped.contains(name) { seenDropped.insert(name) }
                    accumulator.addNamed(values.filter { !dropped.contains($0.0) })
                case .positional: corrupt += 1
                }
            }
        }
        if accumulator.rows > 0, let missing = dropped.subtracting(seenDropped).sorted().first {
            throw DriftMonitorError("dataset has no field \"\(missing)\" to drop: \(url.path)")
        }
        return (accumulator, corrupt)
    }
}
