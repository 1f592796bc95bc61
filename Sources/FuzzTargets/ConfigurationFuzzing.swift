import Foundation
import InvocationCore

/// The configuration target: the bytes as a `gateway.conf`.
enum ConfigurationFuzzing {
    /// A directory that does not exist, so relative paths a fuzzed file names resolve to nothing on disk.
    static let baseDirectory = URL(fileURLWithPath: "/nonexistent/mlgateway-fuzz")

    static func run(_ bytes: UnsafeRawBufferPointer) {
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try? GatewayConfiguration.parse(text, file: "fuzz.conf", baseDirectory: baseDirectory)
    }
}
