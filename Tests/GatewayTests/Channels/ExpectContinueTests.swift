import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import Testing

@testable import Gateway
@testable import InvocationCore

extension Channels {
    /// `Expect: 100-continue` (``ClientConnectionHandler``) on an `EmbeddedChannel`: the interim `100 Continue` goes
    /// out as soon as the head is taken, before any of the body, so clients such as curl do not wait a second before
    /// sending it; the request goes on unchanged; other expectations, HTTP/1.0 requests and a declared body over the
    /// limit get no interim answer (issues 18 and 23).
    @Suite("Expect: 100-continue on EmbeddedChannel")
    struct ExpectContinueTests {
        private static func head(_ expect: String?, length: Int = 5) -> HTTPServerRequestPart {
            var headers: HTTPHeaders = ["Content-Length": String(length)]
            if let expect { headers.add(name: "Expect", value: expect) }
            return .head(ChannelTestSupport.request(.POST, "/endpoints/demo/invocations", headers))
        }

        @Test(arguments: ["100-continue", "100-Continue"])
        func anExpectingHeadIsAnsweredWith100ContinueAndGoesOn(expect: String) throws {
            let channel = try ChannelTestSupport.channel([ChannelTestSupport.connectionHandler()])
            try channel.writeInbound(Self.head(expect))
            guard case .head(let interim) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
                Issue.record("expected the interim head")
                return
            }
            #expect(interim.status == .continue)
            #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
            guard case .head(let forwarded) = try channel.readInbound(as: HTTPServerRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            #expect(forwarded.headers["Expect"] == [expect])
            try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "1,2,3")))
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
            #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .body(ByteBuffer(string: "1,2,3")))
            #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .end(nil))
            #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
            #expect(try channel.finish().isClean)
        }

        @Test(arguments: [nil, "something-else"] as [String?])
        func otherHeadsGetNoInterimAnswer(expect: String?) throws {
            let channel = try ChannelTestSupport.channel([ChannelTestSupport.connectionHandler()])
            try channel.writeInbound(Self.head(expect))
            #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
            guard case .head = try channel.readInbound(as: HTTPServerRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            #expect(try channel.finish().isClean)
        }

        /// The router refuses a declared body over the limit from its head, so the client is not asked to send it.
        @Test func aDeclaredBodyOverTheLimitGetsNoInterimAnswer() throws {
            let handler = try InvocationServingTests.handler()
            let channel = try ChannelTestSupport.channel([handler])
            try channel.writeInbound(Self.head("100-continue", length: 11))
            #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == nil)
            guard case .head = try channel.readInbound(as: HTTPServerRequestPart.self) else {
                Issue.record("expected the request head, passed on to the router")
                return
            }
            #expect(try channel.finish().isClean)
        }

        /// An invocation the handler serves itself gets its interim answer too.
        @Test func anExpectingInvocationWithinTheLimitGets100Continue() throws {
            let channel = try ChannelTestSupport.channel([try InvocationServingTests.handler()])
            try channel.writeInbound(Self.head("100-continue", length: 5))
            guard case .head(let interim) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
                Issue.record("expected the interim head")
                return
            }
            #expect(interim.status == .continue)
            #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil)
            #expect(try channel.finish().isClean)
        }

        @Test func anHTTP11HeadInBytesGets100ContinueBeforeItsBodyIsSent() throws {
            let channel = try ChannelTestSupport.byteChannel([])
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
            let channel = try ChannelTestSupport.byteChannel([])
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
