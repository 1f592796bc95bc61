import Crypto

/// The pieces of a SigV4 signature: canonical request, string to sign, signing key and signature.
enum SigV4Canonical {
    /// Canonical URI: the path (dot segments and repeated slashes removed when `normalize`) URI-encoded once more,
    /// slashes kept. Because the path is taken as received, already-encoded bytes end up encoded twice, as AWS
    /// expects for every service except S3.
    static func canonicalURI(path: String, normalize: Bool) -> String {
        let effective = normalize ? normalizedPath(path) : (path.isEmpty ? "/" : path)
        return URIEncoding.encode(effective.utf8, keepSlash: true)
    }

    /// Removes `.` and `..` segments and empty segments (RFC 3986 5.2.4 plus slash folding, as botocore does).
    static func normalizedPath(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": if !segments.isEmpty { segments.removeLast() }
            default: segments.append(segment)
            }
        }
        let leading = path.hasPrefix("/") ? "/" : ""
        let trailing = path.hasSuffix("/") && !segments.isEmpty ? "/" : ""
        return leading + segments.joined(separator: "/") + trailing
    }

    /// Canonical query: every pair re-encoded strictly, sorted by encoded name then value, `X-Amz-Signature` left
    /// out.
    static func canonicalQuery(_ parameters: [QueryParameter]) -> String {
        var pairs: [(name: String, value: String)] = []
        pairs.reserveCapacity(parameters.count)
        for parameter in parameters where parameter.nameBytes != Array("X-Amz-Signature".utf8) {
            pairs.append(
                (
                    URIEncoding.encode(parameter.nameBytes, keepSlash: false),
                    URIEncoding.encode(parameter.decodedValue, keepSlash: false)
                ))
        }
        pairs.sort {
            $0.name == $1.name
                ? Array($0.value.utf8).lexicographicallyPrecedes($1.value.utf8)
                : Array($0.name.utf8).lexicographicallyPrecedes($1.name.utf8)
        }
        return pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// A header value trimmed with inner runs of whitespace folded to one space.
    static func canonicalHeaderValue(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\n")
            {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `name:value1,value2\n` for every signed header, or the first signed header the request lacks.
    static func canonicalHeaders(_ request: SigV4Request, signedHeaders: [String]) -> Result<String, MissingHeader> {
        var text = ""
        for name in signedHeaders {
            let values = request.values(of: name)
            guard !values.isEmpty else { return .failure(MissingHeader(name: name)) }
            text += name + ":" + values.map(canonicalHeaderValue).joined(separator: ",") + "\n"
        }
        return .success(text)
    }

    /// A signed header absent from the request.
    struct MissingHeader: Error {
        var name: String
    }

    /// The canonical request text.
    static func canonicalRequest(
        method: String, canonicalURI: String, canonicalQuery: String, canonicalHeaders: String,
        signedHeaders: [String], payloadHash: String
    ) -> String {
        method + "\n" + canonicalURI + "\n" + canonicalQuery + "\n" + canonicalHeaders + "\n"
            + signedHeaders.joined(separator: ";") + "\n" + payloadHash
    }

    /// The string to sign for `canonicalRequest`.
    static func stringToSign(amzDate: String, credentialScope: String, canonicalRequest: String) -> String {
        "AWS4-HMAC-SHA256\n" + amzDate + "\n" + credentialScope + "\n"
            + Hex.encode(SHA256.hash(data: Array(canonicalRequest.utf8)))
    }

    /// Hex HMAC-SHA256 signature of `stringToSign` under the key derived from `secretAccessKey` and the scope.
    static func signature(
        stringToSign: String, secretAccessKey: String, scopeDate: String, region: String, service: String
    ) -> String {
        var key = SymmetricKey(data: Array(("AWS4" + secretAccessKey).utf8))
        for part in [scopeDate, region, service, "aws4_request"] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }
}
