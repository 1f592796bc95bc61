/// The SigV4 credentials a request carries, from its `Authorization` header or, for presigned URLs, its query.
public struct SigV4Authorization: Sendable, Equatable {
    /// Where the signature was found.
    public enum Location: Sendable, Equatable {
        /// `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
        case header
        /// Presigned URL (`X-Amz-Signature` in the query), valid for `expires` seconds after `X-Amz-Date`.
        case query(expires: Int)
    }

    /// Access key ID named in the credential scope.
    public var accessKeyID: String
    /// Date of the credential scope (`yyyyMMdd`).
    public var scopeDate: String
    /// Region of the credential scope.
    public var region: String
    /// Service of the credential scope.
    public var service: String
    /// Lower-case names of the signed headers, in the order given.
    public var signedHeaders: [String]
    /// Hex signature presented by the client.
    public var signature: String
    /// Request time (`X-Amz-Date`, `yyyyMMdd'T'HHmmss'Z'`).
    public var amzDate: String
    /// Session token (`X-Amz-Security-Token`) when present.
    public var sessionToken: String?
    /// Where the signature was found.
    public var location: Location

    /// `yyyyMMdd/region/service/aws4_request`.
    public var credentialScope: String { "\(scopeDate)/\(region)/\(service)/aws4_request" }
}

extension SigV4Authorization {
    static let algorithm = "AWS4-HMAC-SHA256"

    /// Parses the credentials of `request`; `nil` when it carries no SigV4 credentials at all.
    static func parse(_ request: SigV4Request, query: [QueryParameter]) throws(AuthError) -> SigV4Authorization? {
        if let header = request.firstValue(of: "authorization") {
            let trimmed = header.trimmingSpaces()
            guard trimmed.hasPrefix("AWS4-") else { return nil }
            return try parseHeader(trimmed, request: request)
        }
        guard query.contains(where: { $0.name == "X-Amz-Signature" || $0.name == "X-Amz-Algorithm" }) else {
            return nil
        }
        return try parseQuery(query)
    }

    private static func parseHeader(_ header: Substring, request: SigV4Request) throws(AuthError) -> SigV4Authorization
    {
        guard header.hasPrefix(algorithm + " ") else {
            throw .incompleteSignature("Unsupported signing algorithm; only \(algorithm) is accepted.")
        }
        var fields: [Substring: Substring] = [:]
        for part in header.dropFirst(algorithm.count + 1).split(separator: ",") {
            let item = part.trimmingSpaces()
            guard let equals = item.firstIndex(of: "=") else {
                throw .incompleteSignature(
                    "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
            }
            fields[item[..<equals]] = item[item.index(after: equals)...]
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else {
            throw .incompleteSignature(
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.")
        }
        guard let amzDate = request.firstValue(of: "x-amz-date") else {
            throw .incompleteSignature("Authorization header requires existence of a 'X-Amz-Date' header.")
        }
        return try make(
            credential: credential, signedHeaders: signedHeaders, signature: signature,
            amzDate: String(amzDate.trimmingSpaces()), sessionToken: request.firstValue(of: "x-amz-security-token"),
            location: .header)
    }

    private static func parseQuery(_ query: [QueryParameter]) throws(AuthError) -> SigV4Authorization {
        func value(_ name: String) -> String? {
            query.first { $0.name == name }.map { String(decoding: $0.decodedValue, as: UTF8.self) }
        }
        guard value("X-Amz-Algorithm") == algorithm else {
            throw .incompleteSignature("X-Amz-Algorithm must be \(algorithm).")
        }
        guard let credential = value("X-Amz-Credential"), let signedHeaders = value("X-Amz-SignedHeaders"),
            let signature = value("X-Amz-Signature"), let amzDate = value("X-Amz-Date"),
            let expiresText = value("X-Amz-Expires")
        else {
            throw .incompleteSignature(
                "Presigned requests need X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature."
            )
        }
        guard let expires = Int(expiresText), (1...604_800).contains(expires) else {
            throw .incompleteSignature("X-Amz-Expires must be a number of seconds between 1 and 604800.")
        }
        return try make(
            credential: Substring(credential), signedHeaders: Substring(signedHeaders), signature: Substring(signature),
            amzDate: amzDate, sessionToken: value("X-Amz-Security-Token"), location: .query(expires: expires))
    }

    private static func make(
        credential: Substring, signedHeaders: Substring, signature: Substring, amzDate: String,
        sessionToken: String?, location: Location
    ) throws(AuthError) -> SigV4Authorization {
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false)
        guard scope.count == 5, scope[4] == "aws4_request", !scope[0].isEmpty else {
            throw .incompleteSignature(
                "Credential must have the form <access key ID>/<yyyyMMdd>/<region>/<service>/aws4_request.")
        }
        let headers = signedHeaders.split(separator: ";").map { $0.lowercased() }
        guard !headers.isEmpty, !signature.isEmpty else {
            throw .incompleteSignature("SignedHeaders and Signature must not be empty.")
        }
        return SigV4Authorization(
            accessKeyID: String(scope[0]), scopeDate: String(scope[1]), region: String(scope[2]),
            service: String(scope[3]), signedHeaders: headers, signature: String(signature), amzDate: amzDate,
            sessionToken: sessionToken, location: location)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        let text = self[...]
        guard let start = text.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let end = text.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return Substring() }
        return Substring(text[start...end])
    }
}
