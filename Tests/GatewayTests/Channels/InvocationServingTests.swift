import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Testing

@testable import Gateway
@testable import InvocationCore

extension Channels {
    /// Invocations served by ``ClientConnectionHandler`` on an `EmbeddedChannel`, between a handler that counts socket
    /// reads and the HTTPTypes codec with a handler that stands for Hummingbird's router. Invocations of an
    /// endpoint that is not configured are answered by the pipeline at once, with no backend and no task, so the
    /// handler's own answers, what it passes on, the order of answers on a connection, the holding of pipelined
    /// requests with reads paused, and closing after `Connection: close` are all seen deterministically (issue 18).
    @Suite("Invocations on EmbeddedChannel")
    struct InvocationServingTests {
        /// One configured endpoint, `demo`, whose backend is never called; bodies over 10 bytes are refused.
        private static let configuration = """
            [server]
            max_body_bytes = 10

            [[endpoint]]
            name = "demo"

            [[endpoint.variant]]
            name = "VariantA"
            backends = ["http://127.0.0.1:9"]
            """

        /// The channel under test and the handlers around the one tested.
        private struct Connection {
            let channel: EmbeddedChannel
            let reads: ReadCounter
            let router: RouterRecorder
        }

        /// A client listener's connection handler for ``configuration``.
        static func handler(
            timeouts: ClientConnectionHandler.StateMachine.Timeouts = .init()
        ) throws -> ClientConnectionHandler {
            let harness = try RouterHarness(configuration)
            let pipeline = InvocationPipeline(runtime: harness.runtime, client: harness.client)
            return ClientConnectionHandler(
                invocations: .init(pipeline: pipeline, renderer: InvocationRenderer(runtime: harness.runtime)),
                timeouts: timeouts)
        }

        private static func connection() throws -> Connection {
            let reads = ReadCounter()
            let router = RouterRecorder()
            let channel = try ChannelTestSupport.channel([
                reads, try handler(), HTTP1ToHTTPServerCodec(secure: false), router,
            ])
            return Connection(channel: channel, reads: reads, router: router)
        }

        private static func invoke(
            _ connection: Connection, _ endpoint: String = "nope", headers: HTTPHeaders = [:]
        ) throws {
            try ChannelTestSupport.send(
                connection.channel, .POST, "/endpoints/\(endpoint)/invocations", body: "1,2,3", headers: headers)
        }

        /// Checks that `answer` is the fast path's 400 for endpoint `name`.
        private static func expectUnknownEndpoint(_ answer: WrittenAnswer?, _ name: String) {
            guard let answer else {
                Issue.record("no answer")
                return
            }
            #expect(answer.head.status == .badRequest)
            #expect(answer.head.headerFields[.amznErrorType] == "ValidationError")
            #expect(answer.head.headerFields[.amznRequestID].map { !$0.isEmpty } == true)
            #expect(answer.head.headerFields[.date].map { !$0.isEmpty } == true)
            #expect(answer.head.headerFields[.contentLength] == String(answer.body.utf8.count))
            #expect(answer.message?.hasPrefix("Endpoint \(name) of account ") == true)
            #expect(answer.ended)
        }

        @Test func anInvocationOfAnUnknownEndpointIsAnsweredByTheHandler() throws {
            let connection = try Self.connection()
            try Self.invoke(connection)
            let answers = try ChannelTestSupport.answers(connection.channel)
            #expect(answers.count == 1)
            Self.expectUnknownEndpoint(answers.first, "nope")
            #expect(connection.router.events.isEmpty)
            #expect(connection.channel.isActive)
            #expect(try connection.channel.finish().isClean)
        }

        @Test(arguments: [
            (HTTPMethod.GET, "/ping"),
            (.GET, "/endpoints/nope/invocations"),
            (.POST, "/endpoints/nope/invocations/more"),
            (.POST, "/endpoints//invocations"),
            (.POST, "/admin/endpoints/nope/invocations"),
        ])
        func otherRequestsArePassedOnToTheRouter(method: HTTPMethod, path: String) throws {
            let connection = try Self.connection()
            try ChannelTestSupport.send(connection.channel, method, path)
            #expect(connection.router.events == ["head \(method) \(path)", "end"])
            #expect(try ChannelTestSupport.answers(connection.channel).isEmpty)
            #expect(try connection.channel.finish().isClean)
        }

        @Test func anInvocationDeclaringABodyOverTheLimitIsPassedOnToTheRouter() throws {
            let connection = try Self.connection()
            try ChannelTestSupport.send(
                connection.channel, .POST, "/endpoints/nope/invocations", body: "12345678901")
            #expect(
                connection.router.events == [
                    "head POST /endpoints/nope/invocations", "body 12345678901", "end",
                ])
            #expect(try ChannelTestSupport.answers(connection.channel).isEmpty)
            #expect(try connection.channel.finish().isClean)
        }

        @Test func pipelinedInvocationsAreAnsweredInOrder() throws {
            let connection = try Self.connection()
            try Self.invoke(connection, "first")
            try Self.invoke(connection, "second")
            let answers = try ChannelTestSupport.answers(connection.channel)
            #expect(answers.count == 2)
            Self.expectUnknownEndpoint(answers.first, "first")
            Self.expectUnknownEndpoint(answers.dropFirst().first, "second")
            let ids = answers.compactMap { $0.head.headerFields[.amznRequestID] }
            #expect(Set(ids).count == 2)
            #expect(try connection.channel.finish().isClean)
        }

        @Test func invocationsBehindAPendingRouterAnswerAreHeldWithReadsPausedThenAnsweredInOrder() throws {
            let connection = try Self.connection()
            connection.channel.read()
            #expect(connection.reads.reads == 1)
            try ChannelTestSupport.send(connection.channel, .GET, "/ping")
            try Self.invoke(connection, "first")
            try Self.invoke(connection, "second")
            #expect(connection.router.events == ["head GET /ping", "end"])
            #expect(try ChannelTestSupport.answers(connection.channel).isEmpty)
            connection.channel.read()
            #expect(connection.reads.reads == 1)

            try ChannelTestSupport.answerFromRouter(connection.channel, body: "pong")
            connection.channel.embeddedEventLoop.run()
            let answers = try ChannelTestSupport.answers(connection.channel)
            #expect(answers.count == 3)
            #expect(answers.first?.head.status == .ok)
            #expect(answers.first?.body == "pong")
            Self.expectUnknownEndpoint(answers.dropFirst().first, "first")
            Self.expectUnknownEndpoint(answers.dropFirst(2).first, "second")
            #expect(connection.reads.reads == 2)
            #expect(connection.router.events == ["head GET /ping", "end"])
            connection.channel.read()
            #expect(connection.reads.reads == 3)
            #expect(try connection.channel.finish().isClean)
        }

        @Test func aRouterRequestBehindAPendingRouterAnswerReachesTheRouterAfterIt() throws {
            let connection = try Self.connection()
            try ChannelTestSupport.send(connection.channel, .GET, "/ping")
            try ChannelTestSupport.send(connection.channel, .GET, "/metrics")
            #expect(connection.router.events == ["head GET /ping", "end"])
            connection.channel.read()
            #expect(connection.reads.reads == 0)
            try ChannelTestSupport.answerFromRouter(connection.channel, body: "pong")
            connection.channel.embeddedEventLoop.run()
            #expect(connection.router.events == ["head GET /ping", "end", "head GET /metrics", "end"])
            #expect(connection.reads.reads == 1)
            try ChannelTestSupport.answerFromRouter(connection.channel)
            #expect(try ChannelTestSupport.answers(connection.channel).map(\.head.status) == [.ok, .ok])
            #expect(try connection.channel.finish().isClean)
        }

        @Test func readsGoAheadWhileNothingIsHeld() throws {
            let connection = try Self.connection()
            try ChannelTestSupport.send(connection.channel, .GET, "/ping")
            connection.channel.read()
            #expect(connection.reads.reads == 1)
            try ChannelTestSupport.answerFromRouter(connection.channel)
            connection.channel.read()
            #expect(connection.reads.reads == 2)
            _ = try ChannelTestSupport.answers(connection.channel)
            #expect(try connection.channel.finish().isClean)
        }

        @Test func connectionCloseClosesAfterTheAnswer() throws {
            let connection = try Self.connection()
            try Self.invoke(connection, headers: ["Connection": "close"])
            let answers = try ChannelTestSupport.answers(connection.channel)
            #expect(answers.count == 1)
            Self.expectUnknownEndpoint(answers.first, "nope")
            #expect(!connection.channel.isActive)
            #expect(try connection.channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func aParseErrorInAnInvocationsBodyAnswersItAndCloses() throws {
            let connection = try Self.connection()
            try connection.channel.writeInbound(
                HTTPServerRequestPart.head(
                    ChannelTestSupport.request(.POST, "/endpoints/nope/invocations", ["Transfer-Encoding": "chunked"])))
            try connection.channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "1,2")))
            connection.channel.pipeline.fireErrorCaught(HTTPParserError.invalidChunkSize)
            try connection.channel.throwIfErrorCaught()
            let answers = try ChannelTestSupport.answers(connection.channel)
            #expect(answers.count == 1)
            #expect(answers.first?.head.status == .badRequest)
            #expect(answers.first?.ended == true)
            #expect(connection.router.events.isEmpty)
            #expect(!connection.channel.isActive)
            #expect(try connection.channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func aParseErrorWhileTheRouterReadsARequestGoesToTheRouter() throws {
            let connection = try Self.connection()
            try connection.channel.writeInbound(
                HTTPServerRequestPart.head(ChannelTestSupport.request(.POST, "/ping", ["Transfer-Encoding": "chunked"]))
            )
            connection.channel.pipeline.fireErrorCaught(HTTPParserError.invalidChunkSize)
            #expect(connection.router.events == ["head POST /ping", "error \(HTTPParserError.invalidChunkSize)"])
            #expect(try ChannelTestSupport.answers(connection.channel).isEmpty)
            #expect(connection.channel.isActive)
            #expect(try connection.channel.finish().isClean)
        }

        /// The client listener's whole pipeline, in bytes: an HTTP/1.0 invocation without keep-alive is answered in
        /// HTTP/1.0, with no `100 Continue`, and the connection closes after it.
        @Test func anHTTP10InvocationInBytesIsAnsweredInHTTP10AndClosed() throws {
            let router = RouterRecorder()
            let channel = try ChannelTestSupport.byteChannel(connection: try Self.handler(), [router])
            try channel.writeInbound(
                ByteBuffer(
                    string: "POST /endpoints/nope/invocations HTTP/1.0\r\nContent-Length: 5\r\n"
                        + "Expect: 100-continue\r\n\r\n1,2,3"))
            let answers = RawAnswer.parse(try ChannelTestSupport.outboundBytes(channel))
            #expect(answers.map(\.statusLine) == ["HTTP/1.0 400 Bad Request"])
            #expect(answers.first?.values("connection") == ["close"])
            #expect(answers.first?.values("x-amzn-ErrorType") == ["ValidationError"])
            #expect(answers.first?.body.contains("Endpoint nope of account ") == true)
            #expect(router.events.isEmpty)
            #expect(!channel.isActive)
            #expect(try channel.finish(acceptAlreadyClosed: true).isClean)
        }

        @Test func otherErrorsGoOn() throws {
            let connection = try Self.connection()
            connection.channel.pipeline.fireErrorCaught(ConnectionReset())
            #expect(connection.router.events == ["error \(ConnectionReset())"])
            #expect(connection.channel.isActive)
            #expect(try connection.channel.finish().isClean)
        }
    }
}
