import CHiredis

/// An incremental RESP decoder over hiredis's `redisReader`.
///
/// Feed it bytes as they arrive and take complete replies out. Each hiredis reply object is converted to a
/// ``RESPValue`` and freed at once (`freeReplyObject`), so no hiredis memory outlives a call. Not thread-safe: one
/// reader belongs to one connection's channel handler.
public final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>

    /// Creates a reader with hiredis's reply objects, arrays bounded to `MLGW_MAX_ARRAY_ELEMENTS` (see `shim.h`).
    public init() throws(RedisError) {
        guard let reader = mlgw_reader_create() else {
            throw RedisError.protocolError("cannot allocate hiredis reader")
        }
        self.reader = reader
    }

    deinit {
        mlgw_reader_free(reader)
    }

    /// Appends received bytes.
    public func feed(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        if feedStatus(bytes) != REDIS_OK { throw RedisError.protocolError(errorMessage) }
    }

    /// Appends received bytes.
    public func feed(_ bytes: [UInt8]) throws(RedisError) {
        if bytes.withUnsafeBytes(feedStatus) != REDIS_OK { throw RedisError.protocolError(errorMessage) }
    }

    private func feedStatus(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return REDIS_OK }
        return redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count)
    }

    /// The next complete reply, or `nil` when more bytes are needed.
    public func next() throws(RedisError) -> RESPValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &reply) == REDIS_OK else { throw RedisError.protocolError(errorMessage) }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }
        return Self.convert(reply.assumingMemoryBound(to: redisReply.self))
    }

    private var errorMessage: String {
        // A refused array surfaces as hiredis's out-of-memory error.
        if reader.pointee.err == REDIS_ERR_OOM {
            return "a reply declared more than \(MLGW_MAX_ARRAY_ELEMENTS) elements, or memory ran out"
        }
        return withUnsafeBytes(of: reader.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? "unknown reader error" : String(decoding: bytes, as: UTF8.self)
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulkString(bytes(value.str, value.len))
        case REDIS_REPLY_STATUS:
            return .simpleString(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(value.str, value.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            guard let elements = value.element else { return .array([]) }
            var array: [RESPValue] = []
            array.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = elements[index] { array.append(convert(element)) } else { array.append(.null) }
            }
            return .array(array)
        default:
            return .null
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
