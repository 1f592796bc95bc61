import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import Testing

@testable import Gateway

extension Channels {
    /// What ``ClientConnectionHandler`` does over a connection's life, on an `EmbeddedChannel` whose clock the tests
    /// move: the idle timeout, the receive timeout's 408, drain with `Connection: close`, and reads paused while a
    /// client does not read its answers (issues 18 and 23).
    @Suite("Connection lifecycle on EmbeddedChannel")
    struct ConnectionLifecycleTests {
        private static let timeouts = ClientConnectionHandler.StateMachine.Timeouts(
            idle: .seconds(75), receive: .seconds(60))

        private static func channel() throws -> EmbeddedChannel {
            try ChannelTestSupport.byteChannel(connection: ChannelTestSupport.connectionHandler(timeouts: timeouts), [])
        }

        @Test func anIdleConnectionClosesAfterTheIdleTimeout() throws {
            let channel = try Self.channel()
            channel.embeddedEventLoop.advanceTime(by: .seconds(74))
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(!channel.isActive)
            #expect(try ChannelTestSupport.outboundBytes(channel).isEmpty)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func theIdleTimeoutCountsFromTheLastAnswer() throws {
            let channel = try Self.channel()
            channel.embeddedEventLoop.advanceTime(by: .seconds(50))
            try channel.writeInbound(ByteBuffer(string: "GET /ping HTTP/1.1\r\nHost: gateway\r\n\r\n"))
            _ = try channel.readInbound(as: HTTPRequestPart.self)
            _ = try channel.readInbound(as: HTTPRequestPart.self)
            channel.embeddedEventLoop.advanceTime(by: .seconds(100))
            #expect(channel.isActive, "a request waiting for its answer is never cut")
            try ChannelTestSupport.answerFromRouter(channel)
            channel.embeddedEventLoop.advanceTime(by: .seconds(74))
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            #expect(!channel.isActive)
            #expect(RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel)).count == 1)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        /// A body sent slower than `request_receive_timeout` allows is cut with a 408 (issue 23).
        @Test func aRequestThatDoesNotArriveInTimeIsAnswered408AndClosed() throws {
            let channel = try Self.channel()
            try channel.writeInbound(
                ByteBuffer(string: "POST /ping HTTP/1.1\r\nHost: gateway\r\nContent-Length: 100\r\n\r\nab"))
            for _ in 0..<59 {
                channel.embeddedEventLoop.advanceTime(by: .seconds(1))
                try channel.writeInbound(ByteBuffer(string: "c"))
            }
            #expect(channel.isActive)
            channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.map(\.statusLine) == ["HTTP/1.1 408 Request Timeout"])
            #expect(answers.first?.values("x-amzn-ErrorType") == ["RequestTimeout"])
            #expect(answers.first?.values("connection") == ["close"])
            #expect(answers.first?.body.contains("request_receive_timeout") == true)
            #expect(!channel.isActive)
            // The router's late answer to the cut request goes nowhere.
            #expect(throws: (any Error).self) { try ChannelTestSupport.answerFromRouter(channel) }
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }

        @Test func drainClosesAnIdleConnectionAtOnce() throws {
            let channel = try Self.channel()
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        /// Once draining starts, the answer in progress says `Connection: close` and is the connection's last, so a
        /// keep-alive client does not send its next request on a connection about to close (issue 23).
        @Test func drainMakesTheAnswerInProgressTheLastAndSaysSo() throws {
            let channel = try Self.channel()
            try channel.writeInbound(ByteBuffer(string: "GET /ping HTTP/1.1\r\nHost: gateway\r\n\r\n"))
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            #expect(channel.isActive)
            try ChannelTestSupport.answerFromRouter(channel, body: "pong")
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.map(\.statusLine) == ["HTTP/1.1 200 OK"])
            #expect(answers.first?.values("connection") == ["close"])
            #expect(!channel.isActive)
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }

        /// A client that sends and never reads its answers: once the channel stops being writable, reading from
        /// the socket pauses until it is writable again (issue 23).
        @Test func readsPauseWhileTheChannelIsNotWritable() throws {
            let reads = ReadCounter()
            let channel = try ChannelTestSupport.channel([reads, ChannelTestSupport.connectionHandler()])
            channel.read()
            #expect(reads.reads == 1)
            channel.isWritable = false
            channel.pipeline.fireChannelWritabilityChanged()
            channel.read()
            #expect(reads.reads == 1)
            channel.isWritable = true
            channel.pipeline.fireChannelWritabilityChanged()
            #expect(reads.reads == 2)
            #expect(try channel.finish().isClean)
        }
    }
}
