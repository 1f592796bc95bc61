import Foundation
import GatewayAuth

/// The SigV4 target: `path NUL query NUL headers`, the headers one `name: value` per line, as a client sends them.
enum SigV4Fuzzing {
    static let verifier = SigV4Verifier(allowedRegions: ["us-east-1"])
    static let now = Date(timeIntervalSince1970: 1_440_938_160)

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let parts = FuzzInput.parts(bytes, count: 3)
        var headers: [(name: String, value: String)] = []
        for line in parts[2].split(separator: "\n") {
            let field = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            headers.append((String(field[0]), field.count > 1 ? String(field[1]) : ""))
        }
        let request = SigV4Request(
            method: "POST", path: parts[0], query: parts[1], headers: headers, body: Array(parts[2].utf8))
        guard let authorization = try? verifier.authorization(of: request) else { return }
        _ = try? verifier.verify(
            request, authorization: authorization, secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", now: now
        )
    }
}
