/// An object named by an `s3://bucket/key` URI, as SageMaker's async locations name them.
public struct S3Location: Sendable, Equatable, CustomStringConvertible {
    /// Bucket name.
    public var bucket: String
    /// Object key (no leading `/`).
    public var key: String

    /// Creates a location.
    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    /// Parses `s3://bucket/key`; nil when `text` is not an `s3://` URI. A key may be empty only when `allowPrefix`
    /// (a prefix to put objects under).
    ///
    /// - Throws: a message naming the problem for an `s3://` URI that is malformed.
    public init?(parsing text: String, allowPrefix: Bool = false) throws(ObjectStoreError) {
        guard text.hasPrefix("s3://") else { return nil }
        let rest = text.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let bucket = String(rest[..<slash])
        let key = slash == rest.endIndex ? "" : String(rest[rest.index(after: slash)...])
        guard Self.isBucketName(bucket) else {
            throw ObjectStoreError(
                "\(text) does not name a valid bucket (3 to 63 lower-case letters, digits, '.' and '-').")
        }
        guard allowPrefix || !key.isEmpty else { throw ObjectStoreError("\(text) names a bucket but no object key.") }
        guard key.utf8.count <= 1024, !key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw ObjectStoreError("The object key of \(text) is longer than 1024 bytes or has control characters.")
        }
        self.init(bucket: bucket, key: key)
    }

    /// `key` under this location taken as a prefix (a `/` between them when needed).
    public func appending(_ name: String) -> S3Location {
        S3Location(bucket: bucket, key: key.isEmpty || key.hasSuffix("/") ? key + name : key + "/" + name)
    }

    public var description: String { "s3://\(bucket)/\(key)" }

    private static func isBucketName(_ name: String) -> Bool {
        (3...63).contains(name.count)
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "-")
            }
            && name.first != "-" && name.first != "." && name.last != "-" && name.last != "."
    }
}

/// Why an object store operation failed, with a message naming the object and the problem.
public struct ObjectStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The HTTP status the store answered with, if it answered.
    public var status: Int?

    /// Creates an error.
    public init(_ message: String, status: Int? = nil) {
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
