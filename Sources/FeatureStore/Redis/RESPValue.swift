/// One reply of the Redis serialization protocol (RESP 2).
public enum RESPValue: Sendable, Hashable {
    /// A status reply such as `+OK`.
    case simpleString(String)
    /// An error reply such as `-ERR unknown command`.
    case error(String)
    /// An integer reply.
    case integer(Int64)
    /// A bulk string reply (binary safe).
    case bulkString([UInt8])
    /// A nil bulk string or nil array.
    case null
    /// An array reply.
    case array([RESPValue])

    /// The reply as text: bulk and simple strings as UTF-8, integers in decimal; `nil` for null, errors and arrays.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .integer(let value): String(value)
        case .error, .null, .array: nil
        }
    }

    /// The bytes of a bulk string reply; `nil` for other replies.
    public var bytes: [UInt8]? {
        if case .bulkString(let bytes) = self { return bytes }
        return nil
    }

    /// The reply as an integer: integer replies, and strings holding a decimal integer.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        case .bulkString, .simpleString: string.flatMap { Int64($0) }
        case .error, .null, .array: nil
        }
    }

    /// The elements of an array reply; `nil` for other replies.
    public var array: [RESPValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// Whether this is the null reply.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Returns the reply, or throws ``RedisError/server(_:)`` if it is an error reply.
    public func throwingServerError() throws(RedisError) -> RESPValue {
        if case .error(let message) = self { throw RedisError.server(message) }
        return self
    }
}
