import Foundation

@testable import Gateway
@testable import InvocationCore

/// Builders for configurations used by unit tests.
enum TestConfigurations {
    /// An endpoint with the given variants, each on one made-up backend.
    static func endpoint(
        _ variants: [(name: String, weight: Double, shadow: Bool)], name: String = "demo"
    ) -> EndpointConfiguration {
        let configurations = variants.enumerated().map { index, variant in
            VariantConfiguration(
                name: variant.name, weight: variant.weight,
                backends: [URL(string: "http://127.0.0.1:\(9000 + index)")!], shadow: variant.shadow)
        }
        return EndpointConfiguration(name: name, variants: configurations)
    }

    /// Parses `text` as a configuration file named `gateway.conf` in the temporary directory.
    static func parse(_ text: String, environment: [String: String] = [:]) throws(ConfigurationError)
        -> GatewayConfiguration
    {
        try GatewayConfiguration.parse(
            text, file: "gateway.conf", baseDirectory: URL(fileURLWithPath: "/tmp/mlgw"), environment: environment)
    }

    /// Parses `text` and returns the error it must produce.
    static func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }
}

/// A deterministic random number generator (SplitMix64) for reproducible statistical tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<1`.
    mutating func unit() -> Double { Double.random(in: 0..<1, using: &self) }
}
