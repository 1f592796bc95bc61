import Foundation

/// Builds a Model Monitor baseline (`statistics.json`, `constraints.json`) from a training dataset.
public enum BaselineBuilder {
    /// Reads `dataset` — CSV with a header row (`.csv`), or JSON Lines objects (`.jsonl`, `.json`, or content starting
    /// with `{`) — in one streaming pass and writes the baseline files into `output` (created when missing).
    /// - Throws: ``DriftMonitorError`` when the dataset is missing, empty or has no header, or output cannot be written.
    public static func build(dataset: URL, output: URL) throws(DriftMonitorError) -> BaselineSummary {
        guard FileManager.default.fileExists(atPath: dataset.path) else {
            throw DriftMonitorError("dataset not found: \(dataset.path)")
        }
        let (accumulator, corruptLines) =
            try isJSONLines(dataset) ? try readJSONLines(dataset) : try readCSV(dataset)
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
            features: accumulator.features.map { .init(name: $0.name, inferredType: $0.inferredType, completeness: $0.completeness) },
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
        switch url.pathExtension.lowercased() {
        case "csv": return false
        case "jsonl", "json", "ndjson": return true
        default:
            var first: UInt8?
            try FileChunks.read(url) { chunk in
                if first == nil { first = chunk.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } }
            }
            return first == UInt8(ascii: "{")
        }
    }

    private static func readCSV(_ url: URL) throws(DriftMonitorError) -> (DatasetAccumulator, Int) {
        var parser = CSVParser()
        var accumulator: DatasetAccumulator?
        let handle: ([String]) -> Void = { row in
            if accumulator == nil {
                accumulator = DatasetAccumulator(featureNames: row.map { $0.trimmingCharacters(in: .whitespaces) }, growable: false)
            } else {
                accumulator?.addPositional(row.map { $0 })
            }
        }
        try FileChunks.read(url) { chunk in parser.feed(chunk, onRow: handle) }
        parser.finish(onRow: handle)
        guard let accumulator else { throw DriftMonitorError("dataset has no header row: \(url.path)") }
        if let empty = accumulator.features.firstIndex(where: { $0.name.isEmpty }) {
            throw DriftMonitorError("dataset header has an empty column name at position \(empty + 1): \(url.path)")
        }
        return (accumulator, 0)
    }

    private static func readJSONLines(_ url: URL) throws(DriftMonitorError) -> (DatasetAccumulator, Int) {
        var accumulator = DatasetAccumulator(featureNames: [], growable: true)
        var corrupt = 0
        try FileChunks.lines(url) { line, _ in
            guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { return }
            guard let value = try? JSONParser.parse(line) else {
                corrupt += 1
                return
            }
            for row in Row.rows(json: [value]) {
                switch row {
                case .named(let values): accumulator.addNamed(values)
                case .positional: corrupt += 1
                }
            }
        }
        return (accumulator, corrupt)
    }
}
