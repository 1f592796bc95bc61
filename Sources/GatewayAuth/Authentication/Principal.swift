/// Who a request was authenticated as.
public struct Principal: Sendable, Equatable {
    /// How the caller proved its identity.
    public enum Method: Sendable, Equatable {
        /// An API key (`x-api-key` or `Authorization: Bearer`).
        case apiKey
        /// A SigV4 signature with this access key ID.
        case sigV4(accessKeyID: String)
    }

    /// Key ID (the label used in metrics and logs; never the secret).
    public var keyID: String
    /// Human name of the key.
    public var name: String
    /// How the caller authenticated.
    public var method: Method
    /// Rate limit and quota of the key.
    public var policy: RateLimitPolicy

    /// Creates a principal.
    public init(keyID: String, name: String, method: Method, policy: RateLimitPolicy) {
        self.keyID = keyID
        self.name = name
        self.method = method
        self.policy = policy
    }
}
