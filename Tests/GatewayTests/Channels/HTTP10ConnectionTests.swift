import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import Testing

@testable import Gateway
@testable import InvocationCore

extension Channels {
    /// HTTP/1.0 connections (``ClientConnectionHandler``) on an `EmbeddedChannel`, between NIO's HTTP/1 parts:
    /// without keep-alive the answer is HTTP/1.0 with `Connection: close` and the connection closes after it; with
    /// keep-alive it stays open and says so; `Expect` is dropped; HTTP/1.1 passes unchanged. HTTP/1.0 clients
    /// (ApacheBench) depend on all of it, and the HTTPTypes codec after the handler cannot see the version (issue 18).
    @Suite("HTTP/1.0 connections on EmbeddedChannel")
    struct HTTP10ConnectionTests {
        private static func channel() throws -> EmbeddedChannel {
            try ChannelTestSupport.channel([ChannelTestSupport.connectionHandler()])
        }

        private static func request(
            _ version: HTTPVersion, _ uri: String = "/ping", _ headers: HTTPHeaders = [:]
        ) -> HTTPServerRequestPart {
            .head(ChannelTestSupport.request(.GET, uri, headers, version: version))
        }

        /// Feeds a request head and end; returns the head the next handler got.
        private static func receive(
            _ channel: EmbeddedChannel, _ head: HTTPServerRequestPart
        ) throws -> HTTPRequestHead? {
            try channel.writeInbound(head)
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
            guard case .head(let forwarded) = try channel.readInbound(as: HTTPServerRequestPart.self) else {
                return nil
            }
            #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .end(nil))
            return forwarded
        }

        /// Writes an HTTP/1.1 answer as the HTTPTypes codec would; returns the head that went out.
        private static func answer(
            _ channel: EmbeddedChannel, _ headers: HTTPHeaders = ["Content-Length": "2"], body: String = "ok"
        ) throws -> HTTPResponseHead? {
            try channel.writeOutbound(
                HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)))
            try channel.writeOutbound(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: body))))
            try channel.writeOutbound(HTTPServerResponsePart.end(nil))
            guard case .head(let head) = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
            let sent = try channel.readOutbound(as: HTTPServerResponsePart.self)
            #expect(sent == .body(.byteBuffer(ByteBuffer(string: body))))
            #expect(try channel.readOutbound(as: HTTPServerResponsePart.self) == .end(nil))
            return head
        }

        /// The answer written next is HTTP/1.0 with `Connection: close`, and the channel closes after it.
        private static func expectClosingHTTP10Answer(_ channel: EmbeddedChannel) throws {
            let head = try #require(try answer(channel))
            #expect(head.version == .http1_0)
            #expect(head.headers["Connection"] == ["close"])
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func withoutKeepAliveTheAnswerIsHTTP10AndTheConnectionCloses() throws {
            let channel = try Self.channel()
            let forwarded = try #require(try Self.receive(channel, Self.request(.http1_0)))
            #expect(forwarded.headers["Connection"] == ["close"])
            #expect(channel.isActive)
            try Self.expectClosingHTTP10Answer(channel)
        }

        @Test func withKeepAliveTheConnectionStaysOpenAndSaysSo() throws {
            let channel = try Self.channel()
            for _ in 0..<2 {
                let forwarded = try #require(
                    try Self.receive(channel, Self.request(.http1_0, "/ping", ["Connection": "keep-alive"])))
                #expect(!forwarded.headers["Connection"].contains("close"))
                let head = try #require(try Self.answer(channel))
                #expect(head.version == .http1_0)
                #expect(head.headers["Connection"] == ["keep-alive"])
                #expect(channel.isActive)
            }
            #expect(try channel.finish().isClean)
        }

        @Test func aKeptAliveAnswerWithoutLengthIsNotChunkedAndEndsWithTheConnection() throws {
            let channel = try Self.channel()
            _ = try Self.receive(channel, Self.request(.http1_0, "/ping", ["Connection": "keep-alive"]))
            let head = try #require(try Self.answer(channel, ["Transfer-Encoding": "chunked"]))
            #expect(head.version == .http1_0)
            #expect(!head.headers.contains(name: "Transfer-Encoding"))
            #expect(head.headers["Connection"] == ["close"])
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func aKeptAliveRequestWhoseAnswerSaysCloseIsClosed() throws {
            let channel = try Self.channel()
            _ = try Self.receive(channel, Self.request(.http1_0, "/ping", ["Connection": "keep-alive"]))
            let head = try #require(try Self.answer(channel, ["Content-Length": "2", "Connection": "close"]))
            #expect(head.headers["Connection"] == ["close"])
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func anHTTP10RequestLosesItsExpectHeader() throws {
            let channel = try Self.channel()
            let forwarded = try #require(
                try Self.receive(channel, Self.request(.http1_0, "/ping", ["Expect": "100-continue"])))
            #expect(!forwarded.headers.contains(name: "Expect"))
            _ = try Self.answer(channel)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func anInterimAnswerDoesNotTakeThePlaceOfTheFinalOne() throws {
            let channel = try Self.channel()
            _ = try Self.receive(channel, Self.request(.http1_0))
            try channel.writeOutbound(
                HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .continue)))
            guard case .head(let interim) = try channel.readOutbound(as: HTTPServerResponsePart.self) else {
                Issue.record("expected the interim head")
                return
            }
            #expect(interim.status == .continue)
            #expect(channel.isActive)
            try Self.expectClosingHTTP10Answer(channel)
        }

        @Test func anHTTP11RequestPassesUnchanged() throws {
            let channel = try Self.channel()
            let forwarded = try #require(try Self.receive(channel, Self.request(.http1_1)))
            #expect(forwarded.version == .http1_1)
            #expect(!forwarded.headers.contains(name: "Connection"))
            let head = try #require(try Self.answer(channel))
            #expect(head.version == .http1_1)
            #expect(!head.headers.contains(name: "Connection"))
            #expect(channel.isActive)
            #expect(try channel.finish().isClean)
        }

        @Test func anHTTP11RequestBehindAnHTTP10OneIsAnsweredUnchanged() throws {
            let channel = try Self.channel()
            _ = try Self.receive(channel, Self.request(.http1_0, "/first", ["Connection": "keep-alive"]))
            try channel.writeInbound(Self.request(.http1_1, "/second"))
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
            #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil)
            let first = try #require(try Self.answer(channel))
            #expect(first.version == .http1_0)
            #expect(first.headers["Connection"] == ["keep-alive"])
            channel.embeddedEventLoop.run()
            guard case .head(let second) = try channel.readInbound(as: HTTPServerRequestPart.self) else {
                Issue.record("expected the second request's head once the first was answered")
                return
            }
            #expect(second.version == .http1_1)
            #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .end(nil))
            let next = try #require(try Self.answer(channel))
            #expect(next.version == .http1_1)
            #expect(!next.headers.contains(name: "Connection"))
            #expect(channel.isActive)
            #expect(try channel.finish().isClean)
        }

        @Test func anHTTP10RequestInBytesIsAnsweredInHTTP10AndClosed() throws {
            let channel = try ChannelTestSupport.byteChannel([])
            try channel.writeInbound(ByteBuffer(string: "GET /ping HTTP/1.0\r\nHost: gateway\r\n\r\n"))
            guard case .head(let head) = try channel.readInbound(as: HTTPRequestPart.self) else {
                Issue.record("expected the request head")
                return
            }
            #expect(head.headerFields[.connection] == "close")
            #expect(try channel.readInbound(as: HTTPRequestPart.self) == .end(nil))
            try ChannelTestSupport.answerFromRouter(channel, body: "ok")
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.count == 1)
            #expect(answers.first?.statusLine == "HTTP/1.0 200 OK")
            #expect(answers.first?.values("connection") == ["close"])
            #expect(answers.first?.body == "ok")
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }
    }
}
