import Crypto

/// An HTTP request as the gateway received it, reduced to what Signature Version 4 covers.
///
/// `path` and `query` are the raw request target exactly as on the wire (still percent-encoded), `headers` keeps
/// every field line in arrival order, and the payload is given as the hex SHA-256 of the body.
public struct SigV4Request: Sendable {
    /// HTTP method, e.g. `POST`.
    public var method: String
    /// Raw path as on the wire, e.g. `/endpoints/my-endpoint/invocations`.
    public var path: String
    /// Raw query string without the leading `?` (empty when there is none).
    public var query: String
    /// Header fields in arrival order; names in any case, repeated names allowed.
    public var headers: [(name: String, value: String)]
    /// Lower-case hex SHA-256 of the request body.
    public var bodySHA256: String

    /// Creates a request whose body hash is already known (for example computed while streaming).
    public init(
        method: String, path: String, query: String, headers: [(name: String, value: String)], bodySHA256: String
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.bodySHA256 = bodySHA256
    }

    /// Creates a request and hashes `body` with SHA-256.
    public init(
        method: String, path: String, query: String, headers: [(name: String, value: String)],
        body: some Collection<UInt8>
    ) {
        self.init(method: method, path: path, query: query, headers: headers, bodySHA256: Self.sha256Hex(body))
    }

    /// Lower-case hex SHA-256 of `bytes`, without copying contiguous collections.
    public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
        var hasher = SHA256()
        let hashedInPlace: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }
        if hashedInPlace == nil {
            hasher.update(data: Array(bytes))
        }
        return Hex.encode(hasher.finalize())
    }

    /// Values of every header named `name` (case-insensitive), in arrival order.
    func values(of name: String) -> [String] {
        headers.compactMap { $0.name.lowercased() == name ? $0.value : nil }
    }

    /// The first value of the header named `name` (case-insensitive).
    func firstValue(of name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }
}
