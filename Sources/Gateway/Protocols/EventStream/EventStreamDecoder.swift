import InvocationCore
import NIOCore

/// Reads ``EventStreamMessage``s from bytes that arrive in arbitrary pieces, verifying both checksums.
public struct EventStreamDecoder: Sendable {
    private var buffer = ByteBuffer()

    /// Creates a decoder with no bytes.
    public init() {}

    /// Adds received bytes.
    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        buffer.writeBuffer(&bytes)
    }

    /// The next complete message, or nil when more bytes are needed.
    public mutating func next() throws(EventStreamError) -> EventStreamMessage? {
        guard let total = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
            let headersLength = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt32.self),
            let preludeCRC = buffer.getInteger(at: buffer.readerIndex + 8, as: UInt32.self)
        else { return nil }
        var crc = CRC32()
        crc.update(buffer.getSlice(at: buffer.readerIndex, length: 8) ?? ByteBuffer())
        guard crc.value == preludeCRC else { throw .preludeChecksumMismatch(expected: preludeCRC, computed: crc.value) }
        guard Int(total) >= EventStreamEncoder.framingBytes + Int(headersLength),
            Int(total) <= EventStreamEncoder.maxMessageBytes
        else { throw .invalidLength(total: total, headers: headersLength) }
        guard buffer.readableBytes >= Int(total), var message = buffer.readSlice(length: Int(total)) else { return nil }
        var messageCRC = CRC32()
        messageCRC.update(message.getSlice(at: message.readerIndex, length: Int(total) - 4) ?? ByteBuffer())
        let expected = message.getInteger(at: message.readerIndex + Int(total) - 4, as: UInt32.self) ?? 0
        guard messageCRC.value == expected else {
            throw .messageChecksumMismatch(expected: expected, computed: messageCRC.value)
        }
        message.moveReaderIndex(forwardBy: 12)
        guard var headerBytes = message.readSlice(length: Int(headersLength)) else {
            throw .invalidLength(total: total, headers: headersLength)
        }
        let payloadLength = Int(total) - EventStreamEncoder.framingBytes - Int(headersLength)
        let payload = message.readSlice(length: payloadLength) ?? ByteBuffer()
        buffer.discardReadBytes()
        return EventStreamMessage(headers: try Self.headers(from: &headerBytes), payload: payload)
    }

    private static func headers(from bytes: inout ByteBuffer) throws(EventStreamError) -> [EventStreamMessage.Header] {
        var headers: [EventStreamMessage.Header] = []
        while bytes.readableBytes > 0 {
            guard let nameLength = bytes.readInteger(as: UInt8.self),
                let name = bytes.readString(length: Int(nameLength)),
                let type = bytes.readInteger(as: UInt8.self)
            else { throw .invalidHeader("cut short") }
            guard type == EventStreamEncoder.stringType else {
                throw .invalidHeader("\(name) has value type \(type), not string")
            }
            guard let valueLength = bytes.readInteger(as: UInt16.self),
                let value = bytes.readString(length: Int(valueLength))
            else { throw .invalidHeader("\(name) value cut short") }
            headers.append(.init(name, value))
        }
        return headers
    }
}
