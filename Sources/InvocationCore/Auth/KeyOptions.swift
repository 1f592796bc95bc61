import Foundation
import GatewayAuth

/// The options of a new key as the CLI and the admin API take them (`mlgateway keys create`, `POST /admin/keys`).
public struct KeyOptions: Sendable, Decodable {
    /// Human name.
    public var name: String
    /// Endpoints the key may invoke; empty allows all.
    public var endpoints: [String]
    /// `2027-01-01` (UTC midnight) or a duration such as `30d` or `12h`.
    public var expires: String?
    /// `100/s`, `600/m` or `3600/h`.
    public var rate: String?
    /// Bucket capacity; defaults to the count of `rate`.
    public var burst: Int?
    /// `1000000/month` or `5000/day`.
    public var quota: String?
    /// Also create SigV4 credentials (access key ID and secret access key).
    public var sigV4: Bool

    package enum CodingKeys: String, CodingKey {
        case name, endpoints, expires, rate, burst, quota
        case sigV4 = "sigv4"
    }

    /// Creates options.
    public init(
        name: String, endpoints: [String] = [], expires: String? = nil, rate: String? = nil, burst: Int? = nil,
        quota: String? = nil, sigV4: Bool = false
    ) {
        self.name = name
        self.endpoints = endpoints
        self.expires = expires
        self.rate = rate
        self.burst = burst
        self.quota = quota
        self.sigV4 = sigV4
    }

    /// Decodes options; only `name` is required.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name),
            endpoints: try container.decodeIfPresent([String].self, forKey: .endpoints) ?? [],
            expires: try container.decodeIfPresent(String.self, forKey: .expires),
            rate: try container.decodeIfPresent(String.self, forKey: .rate),
            burst: try container.decodeIfPresent(Int.self, forKey: .burst),
            quota: try container.decodeIfPresent(String.self, forKey: .quota),
            sigV4: try container.decodeIfPresent(Bool.self, forKey: .sigV4) ?? false)
    }

    /// Creates the key in `store` after checking the options against `configuration`'s endpoints.
    public func create(
        in store: KeyStore, configuration: GatewayConfiguration, now: Date = Date()
    ) async throws(KeyStoreError) -> CreatedKey {
        let known = Set(configuration.endpoints.map(\.name))
        if let unknown = endpoints.first(where: { !known.contains($0) }) {
            throw KeyStoreError(
                kind: .invalidArgument,
                message:
                    "no endpoint named '\(unknown)' in the configuration (endpoints: \(configuration.endpoints.map(\.name).joined(separator: ", ")))"
            )
        }
        if burst != nil, rate == nil {
            throw KeyStoreError(kind: .invalidArgument, message: "a burst needs a rate (e.g. --rate 100/s --burst 200)")
        }
        if let burst, burst < 1 {
            throw KeyStoreError(kind: .invalidArgument, message: "burst must be at least 1")
        }
        let expiresAt = try expires.map { text throws(KeyStoreError) in try KeyExpiry.parse(text, now: now) }
        let rateLimit = try rate.map { text throws(KeyStoreError) in try RateLimit(parsing: text, burst: burst) }
        let quota = try quota.map { text throws(KeyStoreError) in try Quota(parsing: text) }
        return try await store.create(
            name: name, endpoints: endpoints, expiresAt: expiresAt, rateLimit: rateLimit, quota: quota, sigV4: sigV4,
            now: now)
    }
}
