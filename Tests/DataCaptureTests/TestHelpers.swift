import Foundation

@testable import DataCapture

/// A fresh directory under the system temporary directory.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("capture-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Every `.jsonl` file below `root`, as paths relative to it, sorted.
func captureFiles(in root: URL) -> [String] {
    guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { return [] }
    var files: [String] = []
    while let path = enumerator.nextObject() as? String {
        if path.hasSuffix(".jsonl") { files.append(path) }
    }
    return files.sorted()
}

/// The lines of every capture file below `root`; fails when a file does not end with a newline.
func captureLines(in root: URL) throws -> [String] {
    var lines: [String] = []
    for file in captureFiles(in: root) {
        let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        guard text.isEmpty || text.hasSuffix("\n") else { throw TestFailure("partial line at end of \(file)") }
        lines += text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
    return lines
}

/// Parses one JSON line into a dictionary.
func parseLine(_ line: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    guard let dictionary = object as? [String: Any] else { throw TestFailure("not an object: \(line)") }
    return dictionary
}

/// Parses the single JSON line a record encodes to.
func parseRecord(_ record: CaptureRecord, _ configuration: CaptureConfiguration) throws -> [String: Any] {
    let bytes = record.jsonLine(configuration: configuration)
    guard bytes.last == UInt8(ascii: "\n"), bytes.dropLast().firstIndex(of: UInt8(ascii: "\n")) == nil else {
        throw TestFailure("not exactly one line")
    }
    return try parseLine(String(decoding: bytes.dropLast(), as: UTF8.self))
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A configuration writing below `root`.
func makeConfiguration(
    _ root: URL, maxFileBytes: Int = 64 * 1024 * 1024, captureInput: Bool = true, captureOutput: Bool = true
) throws -> CaptureConfiguration {
    try CaptureConfiguration(
        destination: root, captureInput: captureInput, captureOutput: captureOutput, maxFileBytes: maxFileBytes)
}

/// A CSV record at `time`.
func csvRecord(
    _ index: Int, time: Date = Date(timeIntervalSince1970: 1_795_000_000), endpoint: String = "churn",
    variant: String = "AllTraffic"
) -> CaptureRecord {
    CaptureRecord(
        endpoint: endpoint, variant: variant,
        input: CapturedPayload(contentType: "text/csv", data: Array("\(index),2.5,3".utf8)),
        output: CapturedPayload(contentType: "text/csv", data: Array("0.\(index)".utf8)),
        inferenceTime: time
    )
}

/// Runs the writer while `body` submits, then shuts it down and waits for the writer to finish.
func withRunningWriter(_ writer: CaptureWriter, _ body: (CaptureWriter) async throws -> Void) async throws {
    let running = Task { await writer.run() }
    do {
        try await body(writer)
    } catch {
        writer.shutdown()
        await running.value
        throw error
    }
    writer.shutdown()
    await running.value
}
