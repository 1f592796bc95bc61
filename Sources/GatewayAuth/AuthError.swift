/// Why a request was not authenticated or admitted, as the AWS error the gateway answers with.
///
/// Messages never reveal whether a key exists unless the caller proved possession of it (a valid API key secret
/// or a valid signature).
public struct AuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The AWS error code (`x-amzn-ErrorType` / `__type`).
    public enum Code: String, Sendable, CaseIterable {
        /// No credentials at all (403).
        case missingAuthenticationToken = "MissingAuthenticationTokenException"
        /// Unknown API key or access key ID, or a rejected session token (403).
        case unrecognizedClient = "UnrecognizedClientException"
        /// Signature mismatch, wrong scope or stale `X-Amz-Date` (403).
        case invalidSignature = "InvalidSignatureException"
        /// Malformed SigV4 credentials (400).
        case incompleteSignature = "IncompleteSignatureException"
        /// Revoked, expired or out-of-scope key (403).
        case accessDenied = "AccessDeniedException"
        /// Over the key's rate limit or quota (429).
        case throttling = "ThrottlingException"
        /// The gateway cannot check the credentials, e.g. no master key for SigV4 secrets (500).
        case internalFailure = "InternalFailure"
        /// The gateway has not loaded the keys yet (its state store has not answered since it started) (503).
        case serviceUnavailable = "ServiceUnavailable"
    }

    /// The AWS error code.
    public var code: Code
    /// Human-readable explanation for the client.
    public var message: String
    /// Seconds after which a throttled client may retry (`Retry-After`); `nil` unless throttled.
    public var retryAfter: Int?

    /// Creates an error.
    public init(code: Code, message: String, retryAfter: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    /// HTTP status to answer with.
    public var httpStatus: Int {
        switch code {
        case .missingAuthenticationToken, .unrecognizedClient, .invalidSignature, .accessDenied: 403
        case .incompleteSignature: 400
        case .throttling: 429
        case .internalFailure: 500
        case .serviceUnavailable: 503
        }
    }

    /// `Code: message`.
    public var description: String { "\(code.rawValue): \(message)" }

    /// The request carries no credentials.
    public static let missingAuthenticationToken = AuthError(
        code: .missingAuthenticationToken,
        message:
            "Missing Authentication Token: send an API key (x-api-key or Authorization: Bearer) or sign the request with SigV4."
    )

    /// The API key or access key ID is not known (or its secret does not match).
    public static let unrecognizedAPIKey = AuthError(
        code: .unrecognizedClient, message: "The API key included in the request is invalid.")

    /// The keys are not loaded yet.
    public static let keysNotLoaded = AuthError(
        code: .serviceUnavailable,
        message: "The gateway has not loaded its API keys yet (its state store has not answered); retry shortly.")

    /// The access key ID of a SigV4 request is not known.
    public static let unrecognizedAccessKey = AuthError(
        code: .unrecognizedClient, message: "The security token included in the request is invalid.")

    /// The session token was presented but the gateway does not accept session tokens.
    public static let sessionTokenRejected = AuthError(
        code: .unrecognizedClient,
        message: "The security token included in the request is invalid: this gateway does not accept session tokens.")

    /// The signature does not match.
    public static let signatureMismatch = AuthError(
        code: .invalidSignature,
        message:
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."
    )

    /// The signature is syntactically wrong or incomplete.
    public static func incompleteSignature(_ message: String) -> AuthError {
        AuthError(code: .incompleteSignature, message: message)
    }

    /// The signature is well-formed but does not verify.
    public static func invalidSignature(_ message: String) -> AuthError {
        AuthError(code: .invalidSignature, message: message)
    }

    /// The key is known and proven but may not be used for this request.
    public static func accessDenied(_ message: String) -> AuthError {
        AuthError(code: .accessDenied, message: message)
    }

    /// The key is over its rate limit or quota.
    public static func throttled(_ message: String, retryAfter: Int) -> AuthError {
        AuthError(code: .throttling, message: message, retryAfter: retryAfter)
    }

    /// The gateway is misconfigured and cannot check the credentials.
    public static func internalFailure(_ message: String) -> AuthError {
        AuthError(code: .internalFailure, message: message)
    }
}
