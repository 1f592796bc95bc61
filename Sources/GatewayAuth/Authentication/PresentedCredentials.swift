/// The credentials a request presents, decided from its headers and query without checking them.
public enum PresentedCredentials: Sendable, Equatable {
    /// An API key from `x-api-key` or `Authorization: Bearer <key>`.
    case apiKey(String)
    /// A SigV4 signature (`Authorization: AWS4-HMAC-SHA256 …` or a presigned query).
    case sigV4
    /// Nothing.
    case none

    /// Classifies a request by its `x-api-key` and `Authorization` header values and raw query.
    ///
    /// `x-api-key` wins over `Authorization`; a non-empty `Bearer` token is an API key.
    public init(xAPIKey: String?, authorization: String?, query: String) {
        if let key = xAPIKey?.trimmingSpaces(), !key.isEmpty {
            self = .apiKey(String(key))
            return
        }
        if let authorization = authorization?.trimmingSpaces() {
            if authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " {
                let token = authorization.dropFirst(7).trimmingSpaces()
                self = token.isEmpty ? .none : .apiKey(String(token))
                return
            }
        }
        self = SigV4Verifier.isSigned(authorization: authorization, query: query) ? .sigV4 : .none
    }
}
