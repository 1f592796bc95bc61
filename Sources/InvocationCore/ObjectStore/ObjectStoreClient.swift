import AsyncHTTPClient
import Foundation
import GatewayAuth
import NIOCore
import NIOHTTP1

/// Reads and writes objects on the S3-compatible store of `[object_store]`, each request signed with SigV4 (service
/// `s3`, payload hash in `x-amz-content-sha256`) by the gateway's own signer, over AsyncHTTPClient's shared pool.
public struct ObjectStoreClient: Sendable {
    /// The store's settings.
    public let configuration: ObjectStoreConfiguration
    private let http: HTTPClient
    /// Longest wait for one request.
    static let timeout = TimeAmount.seconds(30)

    /// Creates a client.
    public init(configuration: ObjectStoreConfiguration, http: HTTPClient = .shared) {
        self.configuration = configuration
        self.http = http
    }

    /// The object's bytes, at most `maxBytes`.
    public func get(_ location: S3Location, maxBytes: Int) async throws(ObjectStoreError) -> ByteBuffer {
        let response = try await send("GET", location, body: ByteBuffer())
        do {
            return try await response.body.collect(upTo: maxBytes)
        } catch {
            throw ObjectStoreError("\(location) is larger than \(maxBytes) bytes or could not be read: \(error)")
        }
    }

    /// Every object whose key starts with `prefix`'s key, in key order (ListObjectsV2, following continuation tokens).
    public func list(_ prefix: S3Location) async throws(ObjectStoreError) -> [S3Location] {
        var objects: [S3Location] = []
        var token: String?
        repeat {
            var query = "list-type=2&prefix=" + URIEncoding.encode(prefix.key.utf8, keepSlash: false)
            if let token { query += "&continuation-token=" + URIEncoding.encode(token.utf8, keepSlash: false) }
            let response = try await send(
                "GET", S3Location(bucket: prefix.bucket, key: ""), query: query, body: ByteBuffer())
            let text: String
            do {
                text = String(buffer: try await response.body.collect(upTo: 16 * 1024 * 1024))
            } catch {
                throw ObjectStoreError("The listing of \(prefix) could not be read: \(error)")
            }
            objects += Self.elements("Key", in: text).map { S3Location(bucket: prefix.bucket, key: $0) }
            token =
                Self.elements("IsTruncated", in: text).first == "true"
                ? Self.elements("NextContinuationToken", in: text).first : nil
        } while token != nil
        return objects
    }

    /// Stores `body` as the object (replacing it if it exists).
    public func put(_ location: S3Location, body: ByteBuffer, contentType: String?) async throws(ObjectStoreError) {
        _ = try await send("PUT", location, body: body, contentType: contentType)
    }

    private func send(
        _ method: String, _ location: S3Location, query: String = "", body: ByteBuffer, contentType: String? = nil
    ) async throws(ObjectStoreError) -> HTTPClientResponse {
        guard let accessKeyID = configuration.accessKeyID, let secretAccessKey = configuration.secretAccessKey else {
            throw ObjectStoreError(
                "The gateway has no credentials for the object store: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.")
        }
        let endpoint = configuration.endpoint
        let host = (endpoint.host ?? "") + (endpoint.port.map { ":\($0)" } ?? "")
        let bucketPath = "/" + URIEncoding.encode(location.bucket.utf8, keepSlash: false)
        let path =
            location.key.isEmpty
            ? bucketPath : bucketPath + "/" + URIEncoding.encode(location.key.utf8, keepSlash: true)
        let payloadHash = SigV4Request.sha256Hex(body.readableBytesView)
        var headers = [(name: "Host", value: host), (name: "x-amz-content-sha256", value: payloadHash)]
        if let contentType { headers.append((name: "Content-Type", value: contentType)) }
        let signer = SigV4Signer(
            accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, region: configuration.region, service: "s3",
            sessionToken: configuration.sessionToken)
        let signed = signer.sign(
            SigV4Request(method: method, path: path, query: "", headers: headers, bodySHA256: payloadHash), date: Date()
        )
        var request = HTTPClientRequest(url: "\(endpoint.scheme ?? "https")://\(host)\(path)")
        request.method = HTTPMethod(rawValue: method)
        for header in signed.headers where header.name != "Host" {
            request.headers.add(name: header.name, value: header.value)
        }
        if method == "PUT" { request.body = .bytes(body) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: Self.timeout)
        } catch {
            throw ObjectStoreError("The object store at \(endpoint) could not be reached for \(location): \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let text = (try? await response.body.collect(upTo: 64 * 1024)).map { String(buffer: $0) } ?? ""
            let code = Self.elements("Code", in: text).first ?? response.status.reasonPhrase
            let message = Self.elements("Message", in: text).first.map { ": \($0)" } ?? ""
            throw ObjectStoreError(
                "\(method) \(location) failed: \(response.status.code) \(code)\(message)",
                status: Int(response.status.code))
        }
        return response
    }

    /// The texts of every `<name>` element of an S3 XML document, with XML's five entities decoded. S3's documents
    /// are flat enough that this needs no XML parser.
    static func elements(_ name: String, in text: String) -> [String] {
        var values: [String] = []
        var rest = text[...]
        while let start = rest.range(of: "<\(name)>"),
            let end = rest.range(of: "</\(name)>", range: start.upperBound..<rest.endIndex)
        {
            values.append(
                String(rest[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&lt;", with: "<")
                    .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
                    .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&"))
            rest = rest[end.upperBound...]
        }
        return values
    }
}
