import Foundation
import WireFormats

/// Verifies AWS Signature Version 4 (`AWS4-HMAC-SHA256`) exactly as AWS services other than S3 do.
///
/// Verification happens in two steps so the caller can look the secret up in between:
/// ``authorization(of:)`` extracts the access key ID and scope, ``verify(_:authorization:secretAccessKey:now:)``
/// checks scope, time and signature.
public struct SigV4Verifier: Sendable {
    /// What to do with `X-Amz-Security-Token` (temporary credentials the gateway cannot validate).
    public enum SessionTokenPolicy: String, Sendable {
        /// Accept the request; the token is only covered by the signature when signed.
        case ignore
        /// Answer `UnrecognizedClientException`.
        case reject
    }

    /// Signing name of the service (`sagemaker` in production; the AWS test suite uses `service`).
    public var service: String
    /// Regions a credential scope may name; empty accepts any region.
    public var allowedRegions: [String]
    /// Largest accepted difference between `X-Amz-Date` and the gateway's clock, in seconds.
    public var clockSkew: TimeInterval
    /// What to do with a session token.
    public var sessionTokens: SessionTokenPolicy
    /// Whether presigned URLs (`X-Amz-Signature` in the query) are accepted.
    public var allowPresigned: Bool
    /// Remove dot segments and repeated slashes before encoding the path (AWS does for every service but S3).
    public var normalizePath: Bool

    /// Creates a verifier.
    public init(
        service: String = "sagemaker", allowedRegions: [String], clockSkew: TimeInterval = 300,
        sessionTokens: SessionTokenPolicy = .ignore, allowPresigned: Bool = true, normalizePath: Bool = true
    ) {
        self.service = service
        self.allowedRegions = allowedRegions
        self.clockSkew = clockSkew
        self.sessionTokens = sessionTokens
        self.allowPresigned = allowPresigned
        self.normalizePath = normalizePath
    }

    /// Whether `request` carries SigV4 credentials (an `AWS4-` Authorization header or a presigned query).
    public static func isSigned(authorization: String?, query: String) -> Bool {
        if let authorization { return authorization.trimmingSpaces().hasPrefix("AWS4-") }
        return query.contains("X-Amz-Signature=")
    }

    /// The SigV4 credentials of `request`.
    ///
    /// - Throws: `MissingAuthenticationTokenException` when there are none, `IncompleteSignatureException` when
    ///   they are malformed.
    public func authorization(of request: SigV4Request) throws(AuthError) -> SigV4Authorization {
        let query = QueryParameter.parse(request.query)
        guard let authorization = try SigV4Authorization.parse(request, query: query) else {
            throw .missingAuthenticationToken
        }
        if case .query = authorization.location, !allowPresigned {
            throw .incompleteSignature("Presigned requests are not accepted; send an Authorization header.")
        }
        return authorization
    }

    /// Checks scope, session token, time window, body hash and signature of `request`.
    public func verify(
        _ request: SigV4Request, authorization: SigV4Authorization, secretAccessKey: String, now: Date
    ) throws(AuthError) {
        guard authorization.service == service else {
            throw .invalidSignature("Credential should be scoped to correct service: '\(service)'.")
        }
        guard allowedRegions.isEmpty || allowedRegions.contains(authorization.region) else {
            throw .invalidSignature("Credential should be scoped to a valid region, not '\(authorization.region)'.")
        }
        if authorization.sessionToken != nil, sessionTokens == .reject {
            throw .sessionTokenRejected
        }
        try checkTime(authorization, now: now)
        let analysis = try canonicalize(request, authorization: authorization)
        let expected = SigV4Canonical.signature(
            stringToSign: analysis.stringToSign, secretAccessKey: secretAccessKey, scopeDate: authorization.scopeDate,
            region: authorization.region, service: authorization.service)
        guard Hex.constantTimeEquals(Array(expected.utf8), Array(authorization.signature.utf8)) else {
            throw .signatureMismatch
        }
    }

    /// The canonical request and string to sign the gateway computes for `request` (for tests and debugging).
    public func canonicalize(
        _ request: SigV4Request, authorization: SigV4Authorization
    ) throws(AuthError) -> (canonicalRequest: String, stringToSign: String) {
        guard authorization.signedHeaders.contains("host") else {
            throw .incompleteSignature("'Host' must be a 'SignedHeader' in the AWS Authorization.")
        }
        let payloadHash: String
        if let declared = request.firstValue(of: "x-amz-content-sha256") {
            let declared = String(declared.trimmingSpaces())
            guard declared.lowercased() == request.bodySHA256 else {
                throw .invalidSignature("The provided 'x-amz-content-sha256' header does not match the request body.")
            }
            payloadHash = declared
        } else {
            payloadHash = request.bodySHA256
        }
        let headers: String
        switch SigV4Canonical.canonicalHeaders(request, signedHeaders: authorization.signedHeaders) {
        case .success(let text): headers = text
        case .failure(let missing):
            throw .invalidSignature("The signed header '\(missing.name)' is missing from the request.")
        }
        let canonicalRequest = SigV4Canonical.canonicalRequest(
            method: request.method,
            canonicalURI: SigV4Canonical.canonicalURI(path: request.path, normalize: normalizePath),
            canonicalQuery: SigV4Canonical.canonicalQuery(QueryParameter.parse(request.query)),
            canonicalHeaders: headers, signedHeaders: authorization.signedHeaders, payloadHash: payloadHash)
        let stringToSign = SigV4Canonical.stringToSign(
            amzDate: authorization.amzDate, credentialScope: authorization.credentialScope,
            canonicalRequest: canonicalRequest)
        return (canonicalRequest, stringToSign)
    }

    private func checkTime(_ authorization: SigV4Authorization, now: Date) throws(AuthError) {
        guard let date = UTCTime.parseBasicISO8601(authorization.amzDate) else {
            throw .incompleteSignature("X-Amz-Date must be in the ISO8601 basic format yyyyMMdd'T'HHmmss'Z'.")
        }
        guard authorization.amzDate.hasPrefix(authorization.scopeDate) else {
            throw .invalidSignature(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(authorization.scopeDate)' != '\(authorization.amzDate.prefix(8))'."
            )
        }
        let minutes = Int(clockSkew / 60)
        let earliest = now.addingTimeInterval(-clockSkew)
        let latest = now.addingTimeInterval(clockSkew)
        if date > latest {
            throw .invalidSignature(
                "Signature not yet current: \(authorization.amzDate) is still later than \(UTCTime(latest).basicISO8601) (\(UTCTime(now).basicISO8601) + \(minutes) min.)"
            )
        }
        switch authorization.location {
        case .header:
            if date < earliest {
                throw .invalidSignature(
                    "Signature expired: \(authorization.amzDate) is now earlier than \(UTCTime(earliest).basicISO8601) (\(UTCTime(now).basicISO8601) - \(minutes) min.)"
                )
            }
        case .query(let expires):
            if date.addingTimeInterval(TimeInterval(expires)) < now {
                throw .invalidSignature(
                    "Signature expired: the presigned request was valid for \(expires) seconds after \(authorization.amzDate); it is now \(UTCTime(now).basicISO8601)."
                )
            }
        }
    }
}
