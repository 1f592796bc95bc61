/// One `name=value` pair of a raw query string, percent-decoded.
struct QueryParameter: Sendable {
    /// Decoded name bytes.
    var nameBytes: [UInt8]
    /// Decoded value bytes (empty for `name` without `=`).
    var decodedValue: [UInt8]

    /// Decoded name as text.
    var name: String { String(decoding: nameBytes, as: UTF8.self) }

    /// Splits a raw query (without `?`) on `&`, skipping empty pieces.
    static func parse(_ query: String) -> [QueryParameter] {
        query.split(separator: "&").map { pair in
            if let equals = pair.firstIndex(of: "=") {
                return QueryParameter(
                    nameBytes: URIEncoding.decode(pair[..<equals]),
                    decodedValue: URIEncoding.decode(pair[pair.index(after: equals)...]))
            }
            return QueryParameter(nameBytes: URIEncoding.decode(pair), decodedValue: [])
        }
    }
}
