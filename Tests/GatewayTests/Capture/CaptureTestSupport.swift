import Foundation
import TestSupport

/// One data-capture line read back from disk.
struct CapturedLine {
    /// The file's path components below the capture destination (`endpoint/variant/yyyy/mm/dd/hh/name.jsonl`).
    let path: [String]
    /// The line as a JSON object.
    let json: [String: Any]

    var endpoint: String { path[0] }
    var variant: String { path[1] }
    var captureData: [String: Any] { json["captureData"] as? [String: Any] ?? [:] }
    var input: [String: Any]? { captureData["endpointInput"] as? [String: Any] }
    var output: [String: Any]? { captureData["endpointOutput"] as? [String: Any] }
    var metadata: [String: Any] { json["eventMetadata"] as? [String: Any] ?? [:] }
    var inferenceID: String? { metadata["inferenceId"] as? String }
    var shadowOf: String? { metadata["shadowOf"] as? String }
}

/// Reads what a gateway captured.
enum CaptureReader {
    /// The `.jsonl` files below `destination`, as path components relative to it, sorted.
    static func files(in destination: URL) throws -> [[String]] {
        guard let enumerator = FileManager.default.enumerator(atPath: destination.path) else { return [] }
        var files: [[String]] = []
        while let relative = enumerator.nextObject() as? String {
            if relative.hasSuffix(".jsonl") { files.append(relative.split(separator: "/").map(String.init)) }
        }
        return files.sorted { $0.joined(separator: "/") < $1.joined(separator: "/") }
    }

    /// Every line below `destination`. Fails on a file that does not end with a newline (a partial line) or a line
    /// that is not a JSON object.
    static func lines(in destination: URL) throws -> [CapturedLine] {
        var lines: [CapturedLine] = []
        for path in try files(in: destination) {
            let url = destination.appendingPathComponent(path.joined(separator: "/"))
            let data = try Data(contentsOf: url)
            guard data.last == UInt8(ascii: "\n") else { throw TestFailure("\(url.path) does not end with a newline") }
            for line in data.split(separator: UInt8(ascii: "\n")) {
                guard let json = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw TestFailure(
                        "a line of \(url.path) is not a JSON object: \(String(decoding: line, as: UTF8.self))")
                }
                lines.append(CapturedLine(path: path, json: json))
            }
        }
        return lines
    }
}

extension GatewayProcess {
    /// Sends `count` invocations of `endpoint` with at most `concurrency` in flight; request `index` gets
    /// `body(index)` and the headers `headers(index)`. Returns how many answers had each status.
    func invokeMany(
        _ count: Int, endpoint: String = "demo", concurrency: Int = 8, contentType: String = "text/csv",
        body: @escaping @Sendable (Int) -> String = { _ in "1,2,3" },
        headers: @escaping @Sendable (Int) -> [(String, String)] = { _ in [] }
    ) async throws -> [Int: Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            var next = 0
            var statuses: [Int: Int] = [:]
            func send(_ index: Int) {
                group.addTask {
                    try await self.invoke(
                        endpoint, body: body(index), contentType: contentType, headers: headers(index)
                    )
                    .status
                }
            }
            while next < min(concurrency, count) {
                send(next)
                next += 1
            }
            while let status = try await group.next() {
                statuses[status, default: 0] += 1
                if next < count {
                    send(next)
                    next += 1
                }
            }
            return statuses
        }
    }

    /// Sends SIGTERM and waits for a clean exit, so that every accepted capture record is on disk.
    func terminate() async throws {
        send(SIGTERM)
        let status = await child.waitForExit(timeout: .seconds(60))
        guard child.process.terminationReason == .exit, status == 0 else {
            throw TestFailure("mlgateway did not exit cleanly on SIGTERM (status \(status)): \(output.suffix(4000))")
        }
    }
}

/// `[endpoint.capture]` for process tests.
extension TOML {
    static func capture(
        destination: String = "capture", sampling: Double = 100, extra: String = ""
    ) -> String {
        "\n[endpoint.capture]\ndestination = \"\(destination)\"\nsampling_percentage = \(sampling)\n\(extra)\n"
    }
}
