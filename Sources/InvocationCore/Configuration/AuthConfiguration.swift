import Foundation
import GatewayAuth

/// How the gateway checks credentials (`[auth]`); endpoints choose what they accept with `auth`.
public struct AuthConfiguration: Sendable, Equatable {
    /// File holding the base64 master key that encrypts SigV4 secrets (`master_key_file`), resolved against the
    /// configuration file; `MLGATEWAY_MASTER_KEY` wins over it.
    public var masterKeyFile: URL?
    /// Regions a SigV4 credential scope may name (`regions`); empty accepts any region.
    public var regions: [String]
    /// What to do with a SigV4 session token (`session_tokens = "ignore" | "reject"`).
    public var sessionTokens: SigV4Verifier.SessionTokenPolicy
    /// Whether presigned URLs are accepted (`allow_presigned`).
    public var allowPresigned: Bool
    /// Largest accepted difference between `X-Amz-Date` and the gateway's clock (`clock_skew`, default 5 min).
    public var clockSkew: Duration

    /// Creates settings; the defaults accept any region, ignore session tokens and allow presigned URLs.
    public init(
        masterKeyFile: URL? = nil, regions: [String] = [], sessionTokens: SigV4Verifier.SessionTokenPolicy = .ignore,
        allowPresigned: Bool = true, clockSkew: Duration = .seconds(300)
    ) {
        self.masterKeyFile = masterKeyFile
        self.regions = regions
        self.sessionTokens = sessionTokens
        self.allowPresigned = allowPresigned
        self.clockSkew = clockSkew
    }

    /// The SigV4 verifier for service `sagemaker` with these settings.
    public var verifier: SigV4Verifier {
        SigV4Verifier(
            service: "sagemaker", allowedRegions: regions,
            clockSkew: Double(clockSkew.components.seconds) + Double(clockSkew.components.attoseconds) / 1e18,
            sessionTokens: sessionTokens, allowPresigned: allowPresigned)
    }
}
