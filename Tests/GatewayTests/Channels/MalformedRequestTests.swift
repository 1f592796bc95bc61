import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import Testing

@testable import Gateway
@testable import InvocationCore

extension Channels {
    /// Malformed requests (``ClientConnectionHandler``) on an `EmbeddedChannel` fed raw bytes through NIO's HTTP/1
    /// decoder: bytes that are not a valid request get exactly one AWS-style 400 `ValidationError` naming the problem,
    /// after any answer still owed, and the connection closes, since the rest of its byte stream cannot be trusted. A
    /// parse error inside a request's body is left to that body's reader (issue 18).
    @Suite("Malformed requests on EmbeddedChannel")
    struct MalformedRequestTests {
        private static func channel() throws -> EmbeddedChannel {
            try ChannelTestSupport.byteChannel([])
        }

        /// Checks that `answer` is the handler's 400 and returns its JSON body.
        private static func expectValidationError(_ answer: RawAnswer?) -> String {
            guard let answer else {
                Issue.record("no answer")
                return ""
            }
            #expect(answer.statusLine == "HTTP/1.1 400 Bad Request")
            #expect(answer.values("x-amzn-ErrorType") == ["ValidationError"])
            #expect(answer.values("content-type") == ["application/json"])
            #expect(answer.values("connection") == ["close"])
            #expect(answer.values("content-length") == [String(answer.body.utf8.count)])
            return answer.body
        }

        @Test(arguments: [
            ("GET /ping HTTP/1.1\r\nHost: gateway\r\nBad Header\r\n\r\n", "a header line is malformed"),
            ("GET /ping HTTP/1.1\r\nContent-Length: abc\r\n\r\n", "its Content-Length is invalid"),
            ("FOO /ping HTTP/1.1\r\nHost: gateway\r\n\r\n", "its request line is malformed"),
        ])
        func aMalformedRequestGetsOne400AndTheConnectionCloses(bytes: String, problem: String) throws {
            let channel = try Self.channel()
            try channel.writeInbound(ByteBuffer(string: bytes))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == nil)
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.count == 1)
            let body = Self.expectValidationError(answers.first)
            #expect(body.hasPrefix("{\"message\":\"The request is not valid HTTP/1.1: \(problem)"))
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        /// A space inside the request target makes llhttp expect `HTTP/` where the target goes on, which NIO reports
        /// as `invalidConstant`. llhttp raises that error only in the request line ("Expected HTTP/", "Invalid word
        /// encountered", a method the version does not allow), so the handler words it as a malformed request line.
        @Test func aMalformedRequestTargetIsNamedAsARequestLineProblem() throws {
            let channel = try Self.channel()
            try channel.writeInbound(ByteBuffer(string: "GET /pi ng HTTP/1.1\r\nHost: gateway\r\n\r\n"))
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.count == 1)
            let body = Self.expectValidationError(answers.first)
            #expect(body.contains("its request line is malformed"))
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func aSecondMalformedRequestBehindTheFirstGetsNoSecondAnswer() throws {
            let channel = try Self.channel()
            try channel.writeInbound(
                ByteBuffer(string: "GET /ping HTTP/1.1\r\nBad Header\r\n\r\nGET /ping HTTP/1.1\r\nAnother Bad\r\n\r\n"))
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.count == 1)
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func anErrorAfterARequestStillBeingAnsweredIsAnsweredAfterIt() throws {
            let channel = try Self.channel()
            try channel.writeInbound(
                ByteBuffer(
                    string: "GET /ping HTTP/1.1\r\nHost: gateway\r\n\r\n"
                        + "GET /ping HTTP/1.1\r\nBad Header\r\n\r\n"))
            guard case .head(let head) = try channel.readInbound(as: HTTPRequestPart.self) else {
                Issue.record("expected the first request's head")
                return
            }
            #expect(head.path == "/ping")
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            #expect(try ChannelTestSupport.outboundBytes(channel).isEmpty)
            #expect(channel.isActive)
            try ChannelTestSupport.answerFromRouter(channel, body: "pong")
            channel.embeddedEventLoop.run()
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.count == 2)
            #expect(answers.first?.statusLine == "HTTP/1.1 200 OK")
            #expect(answers.first?.body == "pong")
            _ = Self.expectValidationError(answers.dropFirst().first)
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func anErrorInsideARequestBodyGoesOnToItsReader() throws {
            let channel = try Self.channel()
            #expect(throws: HTTPParserError.self) {
                try channel.writeInbound(
                    ByteBuffer(
                        string: "POST /ping HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))
            }
            guard case .head = try channel.readInbound(as: HTTPRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            #expect(try ChannelTestSupport.outboundBytes(channel).isEmpty)
            #expect(channel.isActive)
            #expect(try channel.finish().isClean)
        }

        @Test func otherErrorsGoOn() throws {
            let channel = try Self.channel()
            channel.pipeline.fireErrorCaught(ConnectionReset())
            #expect(throws: ConnectionReset.self) { try channel.throwIfErrorCaught() }
            #expect(try ChannelTestSupport.outboundBytes(channel).isEmpty)
            #expect(channel.isActive)
            #expect(try channel.finish().isClean)
        }

        @Test func validRequestsPassThroughUntouched() throws {
            let channel = try Self.channel()
            try channel.writeInbound(
                ByteBuffer(string: "POST /ping HTTP/1.1\r\nHost: gateway\r\nContent-Length: 2\r\n\r\nhi"))
            guard case .head(let head) = try channel.readInbound(as: HTTPRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            #expect(head.method == .post)
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .body(ByteBuffer(string: "hi")))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            try ChannelTestSupport.answerFromRouter(channel)
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.first?.statusLine == "HTTP/1.1 200 OK")
            #expect(channel.isActive)
            #expect(try channel.finish().isClean)
        }
    }
}
