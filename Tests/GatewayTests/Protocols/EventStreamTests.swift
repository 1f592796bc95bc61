import NIOCore
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Event stream")
struct EventStreamTests {
    /// A `PayloadPart` event carrying `hello`, as checked with botocore's `EventStreamBuffer`.
    static let payloadPartHello = bytes(
        "0000006e000000595197ff150b3a6576656e742d7479706507000b5061796c6f6164506172740d3a636f6e74656e742d7479"
            + "70650700186170706c69636174696f6e2f6f637465742d73747265616d0d3a6d6573736167652d747970650700056576656e"
            + "7468656c6c6f29738ab4")

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }

    @Test func crc32OfTheCheckString() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func crc32OfNothingIsZero() {
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test func crc32IsIncremental() {
        var crc = CRC32()
        crc.update(ByteBuffer(string: "1234"))
        crc.update(ByteBuffer(string: "56789"))
        #expect(crc.value == 0xCBF4_3926)
    }

    @Test func encodesAnEmptyMessageAsTheKnownVector() throws {
        let encoded = try EventStreamEncoder().encode(EventStreamMessage(headers: [], payload: ByteBuffer()))
        #expect(Array(buffer: encoded) == Self.bytes("000000100000000005c248eb7d98c8ff"))
    }

    @Test func encodesAPayloadWithoutHeadersAsTheKnownVector() throws {
        let message = EventStreamMessage(headers: [], payload: ByteBuffer(string: "{'foo':'bar'}"))
        let encoded = try EventStreamEncoder().encode(message)
        #expect(Array(encoded.readableBytesView.prefix(12)) == Self.bytes("0000001d00000000fd528c5a"))
        #expect(Array(encoded.readableBytesView.suffix(4)) == Self.bytes("c3653936"))
    }

    @Test func encodesAPayloadPartAsBotocoreReadsIt() throws {
        let encoded = try EventStreamEncoder().encode(
            ResponseStreamEvent.payloadPart(ByteBuffer(string: "hello")).message)
        #expect(Array(buffer: encoded) == Self.payloadPartHello)
    }

    @Test func roundTripsMessagesSplitAtEveryByte() throws {
        let messages = [
            ResponseStreamEvent.payloadPart(ByteBuffer(string: "tok ")).message,
            ResponseStreamEvent.modelStreamError(code: ResponseStreamEvent.streamBroken, message: "broke \"here\"")
                .message,
            ResponseStreamEvent.internalStreamFailure(message: "oops").message,
        ]
        var wire = ByteBuffer()
        for message in messages { try EventStreamEncoder().encode(message, into: &wire) }
        var decoder = EventStreamDecoder()
        var decoded: [EventStreamMessage] = []
        for byte in wire.readableBytesView {
            decoder.append(ByteBuffer(bytes: [byte]))
            while let message = try decoder.next() { decoded.append(message) }
        }
        #expect(decoded == messages)
    }

    @Test func modelStreamErrorIsAnExceptionWithAJSONPayload() {
        let message = ResponseStreamEvent.modelStreamError(code: "StreamBroken", message: "gone").message
        #expect(message[header: ":message-type"] == "exception")
        #expect(message[header: ":exception-type"] == "ModelStreamError")
        #expect(message[header: ":content-type"] == "application/json")
        #expect(String(buffer: message.payload) == #"{"ErrorCode":"StreamBroken","Message":"gone"}"#)
    }

    @Test func rejectsACorruptedPayload() throws {
        var bytes = Self.payloadPartHello
        bytes[bytes.count - 6] ^= 0x01
        var decoder = EventStreamDecoder()
        decoder.append(ByteBuffer(bytes: bytes))
        #expect(throws: EventStreamError.self) { try decoder.next() }
    }

    @Test func rejectsACorruptedPrelude() throws {
        var bytes = Self.payloadPartHello
        bytes[3] ^= 0x01
        var decoder = EventStreamDecoder()
        decoder.append(ByteBuffer(bytes: bytes))
        #expect(throws: EventStreamError.self) { try decoder.next() }
    }

    @Test func waitsForTheRestOfAMessage() throws {
        var decoder = EventStreamDecoder()
        decoder.append(ByteBuffer(bytes: Self.payloadPartHello.prefix(20)))
        #expect(try decoder.next() == nil)
        decoder.append(ByteBuffer(bytes: Self.payloadPartHello.dropFirst(20)))
        #expect(try decoder.next()?.payload == ByteBuffer(string: "hello"))
    }

    @Test func rejectsAnEmptyHeaderName() {
        let message = EventStreamMessage(headers: [.init("", "x")], payload: ByteBuffer())
        #expect(throws: EventStreamError.self) { try EventStreamEncoder().encode(message) }
    }
}
