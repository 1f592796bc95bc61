import InvocationCore
import NIOCore

/// Writes ``EventStreamMessage``s in the AWS event-stream binary format.
public struct EventStreamEncoder: Sendable {
    /// Prelude (12 bytes) plus message CRC (4 bytes).
    static let framingBytes = 16
    /// Header value type 7: a string with a 2-byte length.
    static let stringType: UInt8 = 7
    /// Largest message the format allows (16 MiB).
    public static let maxMessageBytes = 16 * 1024 * 1024

    /// Creates an encoder.
    public init() {}

    /// Appends `message` to `buffer`.
    public func encode(_ message: EventStreamMessage, into buffer: inout ByteBuffer) throws(EventStreamError) {
        var headersLength = 0
        for header in message.headers {
            let nameBytes = header.name.utf8.count
            let valueBytes = header.value.utf8.count
            guard (1...255).contains(nameBytes) else {
                throw .tooLarge("header name \"\(header.name)\" must be 1 to 255 bytes")
            }
            guard valueBytes <= Int(UInt16.max) else {
                throw .tooLarge("header \(header.name) value exceeds 65535 bytes")
            }
            headersLength += 1 + nameBytes + 1 + 2 + valueBytes
        }
        let total = Self.framingBytes + headersLength + message.payload.readableBytes
        guard total <= Self.maxMessageBytes else { throw .tooLarge("\(total) bytes exceeds \(Self.maxMessageBytes)") }
        buffer.reserveCapacity(minimumWritableBytes: total)
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(total))
        buffer.writeInteger(UInt32(headersLength))
        var crc = CRC32()
        crc.update(buffer.getSlice(at: start, length: 8) ?? ByteBuffer())
        buffer.writeInteger(crc.value)
        for header in message.headers {
            buffer.writeInteger(UInt8(header.name.utf8.count))
            buffer.writeString(header.name)
            buffer.writeInteger(Self.stringType)
            buffer.writeInteger(UInt16(header.value.utf8.count))
            buffer.writeString(header.value)
        }
        buffer.writeImmutableBuffer(message.payload)
        var messageCRC = CRC32()
        messageCRC.update(buffer.getSlice(at: start, length: total - 4) ?? ByteBuffer())
        buffer.writeInteger(messageCRC.value)
    }

    /// `message` encoded into a new buffer.
    public func encode(_ message: EventStreamMessage) throws(EventStreamError) -> ByteBuffer {
        var buffer = ByteBuffer()
        try encode(message, into: &buffer)
        return buffer
    }
}
