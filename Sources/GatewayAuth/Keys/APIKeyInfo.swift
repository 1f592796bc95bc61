import Foundation

/// Everything about a key except its secrets (for `keys list` / `keys show` and the admin API).
public struct APIKeyInfo: Sendable, Equatable, Encodable {
    /// Whether a key can be used.
    public enum Status: String, Sendable, Encodable {
        /// Usable.
        case active
        /// Revoked; never usable again.
        case revoked
        /// Past its expiry.
        case expired
    }

    /// Key ID (also the part after `mlgw_` in the API key).
    public var id: String
    /// Human name given at creation.
    public var name: String
    /// Endpoints the key may invoke; empty means all.
    public var endpoints: [String]
    /// Creation time.
    public var createdAt: Date
    /// Expiry, if any.
    public var expiresAt: Date?
    /// Revocation time, if revoked.
    public var revokedAt: Date?
    /// Time of the last secret rotation, if any.
    public var rotatedAt: Date?
    /// Rate limit, if any.
    public var rateLimit: RateLimit?
    /// Quota, if any.
    public var quota: Quota?
    /// SigV4 access key ID, for keys created with SigV4 credentials.
    public var accessKeyID: String?

    /// Status at `now`.
    public func status(at now: Date = Date()) -> Status {
        if revokedAt != nil { return .revoked }
        if let expiresAt, expiresAt <= now { return .expired }
        return .active
    }

    /// Whether the key may invoke `endpoint`.
    public func allows(endpoint: String) -> Bool {
        endpoints.isEmpty || endpoints.contains(endpoint)
    }

    enum CodingKeys: String, CodingKey {
        case id, name, endpoints, createdAt, expiresAt, revokedAt, rotatedAt, rateLimit, quota
        case accessKeyID = "accessKeyId"
    }
}

/// A key as created or rotated: the only time its secrets are available.
public struct CreatedKey: Sendable, Equatable, Encodable {
    /// Key ID.
    public var id: String
    /// Human name.
    public var name: String
    /// The API key (`mlgw_<id>_<secret>`), for `x-api-key` or `Authorization: Bearer`.
    public var apiKey: String
    /// SigV4 access key ID, when created with SigV4 credentials.
    public var accessKeyID: String?
    /// SigV4 secret access key, when created with SigV4 credentials.
    public var secretAccessKey: String?

    enum CodingKeys: String, CodingKey {
        case id, name, apiKey
        case accessKeyID = "accessKeyId"
        case secretAccessKey
    }
}
