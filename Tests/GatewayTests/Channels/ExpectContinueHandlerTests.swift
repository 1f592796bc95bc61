import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import Testing

@testable import Gateway
@testable import InvocationCore

extension Channels {
    /// `Expect: 100-continue` (`ExpectContinueHandler`) on an `EmbeddedChannel`: the interim `100 Continue` goes out
    /// as soon as the head arrives, before any of the body, so clients such as curl do not wait a second before
    /// sending it; the request goes on unchanged; other expectations and HTTP/1.0 requests get no interim answer
    /// (issue 18).
    @Suite("Expect: 100-continue handler on EmbeddedChannel")
    struct ExpectContinueHandlerTests {
        private static func head(_ expect: String?) -> HTTPRequestPart {
            var fields: HTTPFields = [.contentLength: "5"]
            if let expect { fields[.expect] = expect }
            return .head(ChannelTestSupport.request(.post, "/endpoints/demo/invocations", fields))
        }

        @Test(arguments: ["100-continue", "100-Continue"])
        func anExpectingHeadIsAnsweredWith100ContinueAndGoesOn(expect: String) throws {
            let channel = try ChannelTestSupport.channel([ExpectContinueHandler()])
            try channel.writeInbound(Self.head(expect))
            guard case .head(let interim) = try channel.readOutbound(as: HTTPResponsePart.self) else {
                Issue.record("expected the interim head")
                return
            }
            #expect(interim.status == .continue)
            #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
            guard case .head(let forwarded) = try channel.readInbound(as: HTTPRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            #expect(forwarded.headerFields[.expect] == expect)
            try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "1,2,3")))
            try channel.writeInbound(HTTPRequestPart.end(nil))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .body(ByteBuffer(string: "1,2,3")))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
            #expect(try channel.finish().isClean)
        }

        @Test(arguments: [nil, "something-else"] as [String?])
        func otherHeadsGetNoInterimAnswer(expect: String?) throws {
            let channel = try ChannelTestSupport.channel([ExpectContinueHandler()])
            try channel.writeInbound(Self.head(expect))
            #expect(try channel.readOutbound(as: HTTPResponsePart.self) == nil)
            guard case .head = try channel.readInbound(as: HTTPRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            #expect(try channel.finish().isClean)
        }

        @Test func anHTTP11HeadInBytesGets100ContinueBeforeItsBodyIsSent() throws {
            let channel = try ChannelTestSupport.byteChannel([ExpectContinueHandler()])
            try channel.writeInbound(
                ByteBuffer(
                    string: "POST /ping HTTP/1.1\r\nHost: gateway\r\nContent-Length: 5\r\n"
                        + "Expect: 100-continue\r\n\r\n"))
            #expect(try ChannelTestSupport.outboundBytes(channel) == "HTTP/1.1 100 Continue\r\n\r\n")
            guard case .head = try channel.readInbound(as: HTTPRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            try channel.writeInbound(ByteBuffer(string: "1,2,3"))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .body(ByteBuffer(string: "1,2,3")))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            try ChannelTestSupport.answerFromRouter(channel, body: "ok")
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.map(\.statusLine) == ["HTTP/1.1 200 OK"])
            #expect(channel.isActive)
            #expect(try channel.finish().isClean)
        }

        @Test func anHTTP10HeadInBytesGetsNoInterimAnswer() throws {
            let channel = try ChannelTestSupport.byteChannel([ExpectContinueHandler()])
            try channel.writeInbound(
                ByteBuffer(string: "POST /ping HTTP/1.0\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"))
            #expect(try ChannelTestSupport.outboundBytes(channel).isEmpty)
            guard case .head(let head) = try channel.readInbound(as: HTTPRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            #expect(head.headerFields[.expect] == nil)
            try channel.writeInbound(ByteBuffer(string: "1,2,3"))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .body(ByteBuffer(string: "1,2,3")))
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            try ChannelTestSupport.answerFromRouter(channel, body: "ok")
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.map(\.statusLine) == ["HTTP/1.0 200 OK"])
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }
    }
}
