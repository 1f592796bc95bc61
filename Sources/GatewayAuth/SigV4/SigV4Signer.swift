import Foundation
import WireFormats

/// Signs requests with SigV4 header authentication, the way AWS SDKs do: for tests and tools talking to a gateway,
/// and for the gateway's own calls to S3 (service `s3`, whose canonical URI is the path as sent, encoded once and not
/// normalised, and whose payload hash is the `x-amz-content-sha256` header the caller sets).
public struct SigV4Signer: Sendable {
    /// Access key ID.
    public var accessKeyID: String
    /// Secret access key.
    public var secretAccessKey: String
    /// Region of the credential scope.
    public var region: String
    /// Signing name of the service.
    public var service: String
    /// Session token sent as `X-Amz-Security-Token` (signed) when set.
    public var sessionToken: String?

    /// Creates a signer.
    public init(
        accessKeyID: String, secretAccessKey: String, region: String, service: String = "sagemaker",
        sessionToken: String? = nil
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
        self.sessionToken = sessionToken
    }

    /// `request` with `X-Amz-Date`, the session token if any, and an `Authorization` header signing every header.
    public func sign(_ request: SigV4Request, date: Date) -> SigV4Request {
        var signed = request
        let amzDate = UTCTime(date).basicISO8601
        signed.headers.removeAll { ["authorization", "x-amz-date"].contains($0.name.lowercased()) }
        signed.headers.append((name: "X-Amz-Date", value: amzDate))
        if let sessionToken {
            signed.headers.append((name: "X-Amz-Security-Token", value: sessionToken))
        }
        let signedHeaders = Set(signed.headers.map { $0.name.lowercased() }).sorted()
        let scopeDate = String(amzDate.prefix(8))
        let scope = "\(scopeDate)/\(region)/\(service)/aws4_request"
        let canonicalHeaders: String
        switch SigV4Canonical.canonicalHeaders(signed, signedHeaders: signedHeaders) {
        case .success(let text): canonicalHeaders = text
        case .failure: canonicalHeaders = ""
        }
        let canonicalRequest = SigV4Canonical.canonicalRequest(
            method: signed.method,
            canonicalURI: service == "s3"
                ? (signed.path.isEmpty ? "/" : signed.path)
                : SigV4Canonical.canonicalURI(path: signed.path, normalize: true),
            canonicalQuery: SigV4Canonical.canonicalQuery(QueryParameter.parse(signed.query)),
            canonicalHeaders: canonicalHeaders, signedHeaders: signedHeaders,
            payloadHash: signed.firstValue(of: "x-amz-content-sha256") ?? signed.bodySHA256)
        let stringToSign = SigV4Canonical.stringToSign(
            amzDate: amzDate, credentialScope: scope, canonicalRequest: canonicalRequest)
        let signature = SigV4Canonical.signature(
            stringToSign: stringToSign, secretAccessKey: secretAccessKey, scopeDate: scopeDate, region: region,
            service: service)
        signed.headers.append(
            (
                name: "Authorization",
                value:
                    "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
            ))
        return signed
    }
}
