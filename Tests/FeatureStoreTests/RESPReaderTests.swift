import Testing

@testable import FeatureStore

@Suite struct RESPReaderTests {
    private func replies(_ text: String) throws -> [RESPValue] {
        let reader = try RESPReader()
        try reader.feed(Array(text.utf8))
        var result: [RESPValue] = []
        while let reply = try reader.next() { result.append(reply) }
        return result
    }

    @Test func decodesStatusErrorAndInteger() throws {
        #expect(
            try replies("+OK\r\n-ERR bad\r\n:42\r\n:-7\r\n") == [
                .simpleString("OK"), .error("ERR bad"), .integer(42), .integer(-7),
            ])
    }

    @Test func decodesBulkStringsBinarySafe() throws {
        #expect(try replies("$5\r\na\r\nbc\r\n$0\r\n\r\n") == [.bulkString(Array("a\r\nbc".utf8)), .bulkString([])])
    }

    @Test func decodesNullBulkAndNullArray() throws {
        #expect(try replies("$-1\r\n*-1\r\n") == [.null, .null])
    }

    @Test func decodesNestedArrays() throws {
        let decoded = try replies("*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n*0\r\n")
        #expect(decoded == [.array([.bulkString([97]), .array([.integer(1), .null]), .array([])])])
    }

    @Test func waitsForCompleteRepliesFedByteByByte() throws {
        let reader = try RESPReader()
        var decoded: [RESPValue] = []
        for byte in "*2\r\n$3\r\nfoo\r\n:5\r\n".utf8 {
            try reader.feed([byte])
            while let reply = try reader.next() { decoded.append(reply) }
        }
        #expect(decoded == [.array([.bulkString(Array("foo".utf8)), .integer(5)])])
    }

    @Test func returnsNilWhenIncomplete() throws {
        let reader = try RESPReader()
        try reader.feed(Array("$10\r\nabc".utf8))
        #expect(try reader.next() == nil)
    }

    @Test func rejectsInvalidProtocol() throws {
        let reader = try RESPReader()
        try reader.feed(Array("?what\r\n".utf8))
        #expect(throws: RedisError.self) { try reader.next() }
    }

    /// hiredis 0.14 allocated a declared array whole at its header: `*888888881` asked for 7 GB (found by the resp
    /// fuzz target; the input is kept in Tests/FuzzInputs/resp/).
    @Test func anArrayDeclaringMoreThanTheLimitIsAnError() throws {
        let reader = try RESPReader()
        try reader.feed(Array("*888888881\r\n$-1\r\n".utf8))
        #expect(throws: RedisError.protocolError("a reply declared more than 1048576 elements, or memory ran out")) {
            try reader.next()
        }
    }

    @Test func anArrayDeclaringTheLimitWaitsForItsElements() throws {
        let reader = try RESPReader()
        try reader.feed(Array("*1048576\r\n$-1\r\n".utf8))
        #expect(try reader.next() == nil)
    }

    @Test func convertsReplies() {
        #expect(RESPValue.bulkString(Array("12".utf8)).int == 12)
        #expect(RESPValue.integer(3).string == "3")
        #expect(RESPValue.null.string == nil)
        #expect(throws: RedisError.server("WRONGTYPE x")) { try RESPValue.error("WRONGTYPE x").throwingServerError() }
    }
}

@Suite struct RESPEncoderTests {
    private func encoded(_ arguments: [String]) -> String {
        let buffer = RESPEncoder.encode(arguments)
        return String(decoding: buffer.readableBytesView, as: UTF8.self)
    }

    @Test func encodesArrayOfBulkStrings() {
        #expect(encoded(["SET", "k", "v"]) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n")
    }

    @Test func encodesEmptyAndMultibyteArguments() {
        #expect(encoded(["SET", "", "é"]) == "*3\r\n$3\r\nSET\r\n$0\r\n\r\n$2\r\né\r\n")
    }

    @Test func roundTripsThroughTheReader() throws {
        let reader = try RESPReader()
        var buffer = RESPEncoder.encode(["HSET", "a b", "x\r\ny"])
        RESPEncoder.encode(["PING"], into: &buffer)
        try reader.feed(Array(buffer.readableBytesView))
        #expect(
            try reader.next()
                == .array([
                    .bulkString(Array("HSET".utf8)), .bulkString(Array("a b".utf8)),
                    .bulkString(Array("x\r\ny".utf8)),
                ]))
        #expect(try reader.next() == .array([.bulkString(Array("PING".utf8))]))
    }
}
