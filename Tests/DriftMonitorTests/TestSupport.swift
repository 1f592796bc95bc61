import Foundation

@testable import DriftMonitor

/// A fresh directory under the system temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("drift-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A deterministic generator for test data.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A standard normal draw (Box–Muller).
    mutating func normal(mean: Double = 0, deviation: Double = 1) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return mean + deviation * (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// One SageMaker capture line with the given input.
func captureLine(
    data: String, contentType: String = "text/csv", encoding: String = "CSV", time: String = "2026-11-23T10:15:00Z",
    shadowOf: String? = nil
) throws -> String {
    var metadata: [String: Any] = ["eventId": UUID().uuidString.lowercased(), "inferenceTime": time]
    if let shadowOf { metadata["shadowOf"] = shadowOf }
    let record: [String: Any] = [
        "captureData": [
            "endpointInput": ["observedContentType": contentType, "mode": "INPUT", "data": data, "encoding": encoding],
            "endpointOutput": ["observedContentType": "text/csv", "mode": "OUTPUT", "data": "0.5", "encoding": "CSV"],
        ],
        "eventMetadata": metadata,
        "eventVersion": "0",
    ]
    return String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
}

/// Writes capture lines in the capture layout and returns the file.
@discardableResult
func writeCapture(
    _ lines: [String], root: URL, endpoint: String = "churn", variant: String = "AllTraffic",
    hour: String = "2026/11/23/10"
) throws -> URL {
    let directory = root.appendingPathComponent("\(endpoint)/\(variant)/\(hour)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appendingPathComponent("00-00-000-\(UUID().uuidString.lowercased()).jsonl")
    try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: file)
    return file
}

/// A workspace with a baseline built from a CSV training set.
struct Workspace {
    let root: URL
    var baseline: URL { root.appendingPathComponent("baseline") }
    var capture: URL { root.appendingPathComponent("capture") }
    var output: URL { root.appendingPathComponent("out") }

    /// Builds the baseline from `csv` (header first).
    init(trainingCSV csv: String) throws {
        root = try makeTemporaryDirectory()
        let dataset = root.appendingPathComponent("train.csv")
        try Data(csv.utf8).write(to: dataset)
        _ = try BaselineBuilder.build(dataset: dataset, output: baseline)
    }

    func runner(endpoint: String? = nil, variant: String? = nil, since: Date? = nil, until: Date? = nil)
        -> MonitorRunner
    {
        MonitorRunner(
            baseline: baseline, capture: capture, output: output, endpoint: endpoint, variant: variant, since: since,
            until: until)
    }

    func run() throws(DriftMonitorError) -> MonitorResult {
        try runner().run()
    }

    /// Rewrites part of constraints.json.
    func editConstraints(_ edit: (inout [String: Any]) -> Void) throws {
        try editDocument("constraints.json", edit)
    }

    /// Rewrites part of statistics.json.
    func editStatistics(_ edit: (inout [String: Any]) -> Void) throws {
        try editDocument("statistics.json", edit)
    }

    private func editDocument(_ name: String, _ edit: (inout [String: Any]) -> Void) throws {
        let url = baseline.appendingPathComponent(name)
        guard var document = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            return
        }
        edit(&document)
        try JSONSerialization.data(withJSONObject: document).write(to: url)
    }
}

/// A training CSV: `age` (integers around 40), `score` (normal 0/1), `country` (FR/DE/ES).
func trainingCSV(rows: Int = 3000, seed: UInt64 = 1) -> String {
    var generator = SeededGenerator(state: seed)
    var lines = ["age,score,country"]
    let countries = ["FR", "FR", "FR", "DE", "DE", "ES"]
    for _ in 0..<rows {
        let age = Int(generator.normal(mean: 40, deviation: 10).rounded())
        let score = generator.normal()
        lines.append("\(age),\(score),\(countries[Int.random(in: 0..<6, using: &generator)])")
    }
    return lines.joined(separator: "\n") + "\n"
}

/// CSV capture lines drawn like the training data, with `score` shifted by `shift`.
func currentLines(rows: Int = 2000, seed: UInt64 = 2, shift: Double = 0) throws -> [String] {
    var generator = SeededGenerator(state: seed)
    let countries = ["FR", "FR", "FR", "DE", "DE", "ES"]
    return try (0..<rows).map { _ in
        let age = Int(generator.normal(mean: 40, deviation: 10).rounded())
        let score = generator.normal(mean: shift)
        return try captureLine(data: "\(age),\(score),\(countries[Int.random(in: 0..<6, using: &generator)])")
    }
}
