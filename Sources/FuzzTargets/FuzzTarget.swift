import Foundation

/// The parsers of untrusted bytes that the fuzzers drive (issue 23): each takes any byte string and must return
/// without crashing, hanging or growing without bound, whatever the bytes are. Errors the parsers throw are expected
/// answers and are dropped; only a crash (a trap, a sanitizer report) or a timeout is a finding.
///
/// `mlgateway-fuzz` runs one of them under libFuzzer (`scripts/fuzz.sh`); the test suite replays every input kept
/// in `Tests/Fuzz/<target>/` through the same function, so a crash once found stays fixed.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A mapping template: parsed, and when it parses rendered against a body, headers and query parameters.
    case vtl
    /// A request body as JSON: validated, walked member by member, and read into a template value.
    case json
    /// Bytes from Redis: fed to the RESP reader in pieces, every complete reply taken out.
    case resp
    /// Bytes from a client connection, through the listeners' own pipeline with a responder answering each request.
    case http
    /// A SigV4 `Authorization` header, query string and headers: parsed and canonicalized.
    case sigv4
    /// A configuration file: read and validated as `mlgateway serve` reads it.
    case config
    /// An Open Inference infer body or gRPC message, converted between the protocol's REST and gRPC forms.
    case oip

    /// Runs the target on one input.
    public func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .vtl: VTLFuzzing.run(bytes)
        case .json: JSONFuzzing.run(bytes)
        case .resp: RESPFuzzing.run(bytes)
        case .http: HTTPFuzzing.run(bytes)
        case .sigv4: SigV4Fuzzing.run(bytes)
        case .config: ConfigurationFuzzing.run(bytes)
        case .oip: OpenInferenceFuzzing.run(bytes)
        }
    }

    /// Runs the target on one input.
    public func run(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { run($0) }
    }
}

/// Splitting one fuzz input into the parts a target needs.
enum FuzzInput {
    /// The input cut at its NUL bytes into at most `count` parts (the last keeps any further NULs); missing parts are
    /// empty. A NUL separates parts because none of the parsed formats gives it a meaning of its own.
    static func parts(_ bytes: UnsafeRawBufferPointer, count: Int) -> [String] {
        var parts: [String] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0 && parts.count < count - 1 {
            parts.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            start = index + 1
        }
        parts.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
        while parts.count < count { parts.append("") }
        return parts
    }
}
