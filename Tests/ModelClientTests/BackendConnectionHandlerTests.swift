import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import ModelClient

/// The model-server side of one keep-alive connection (`BackendConnectionHandler`), driven on an `EmbeddedChannel`:
/// what goes out for a request, how an answer or a break completes the caller, and when the connection goes back to
/// the pool or closes. Only what the channel and the caller see is checked, so the tests hold for any handler that
/// keeps the same contract (issue 18).
@Suite("Backend connection handler on EmbeddedChannel")
struct BackendConnectionHandlerTests {
    // MARK: The request

    @Test func writesTheRequestAsHeadBodyAndEnd() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send("1,2,3")
        let head = try #require(try connection.channel.readOutbound(as: HTTPClientRequestPart.self))
        guard case .head(let requestHead) = head else {
            Issue.record("expected the request head first, got \(head)")
            return
        }
        #expect(requestHead.version == .http1_1)
        #expect(requestHead.method == .POST)
        #expect(requestHead.uri == "/invocations")
        #expect(requestHead.headers["Content-Length"] == ["5"])
        #expect(requestHead.headers["Host"] == ["model:8080"])
        let body = try connection.channel.readOutbound(as: HTTPClientRequestPart.self)
        #expect(body == .body(.byteBuffer(ByteBuffer(string: "1,2,3"))))
        #expect(try connection.channel.readOutbound(as: HTTPClientRequestPart.self) == .end(nil))
        #expect(try connection.channel.readOutbound(as: HTTPClientRequestPart.self) == nil)
        #expect(record.results.isEmpty)
        #expect(connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func anEmptyBodyWritesNoBodyPart() throws {
        let connection = try EmbeddedBackendConnection()
        connection.send("")
        guard case .head = try connection.channel.readOutbound(as: HTTPClientRequestPart.self) else {
            Issue.record("expected the request head first")
            return
        }
        #expect(try connection.channel.readOutbound(as: HTTPClientRequestPart.self) == .end(nil))
        #expect(try connection.finish())
    }

    @Test func theRequestGoesOutAsHTTP11BytesThroughTheCodec() throws {
        let connection = try EmbeddedBackendConnection(codecs: true)
        connection.send("1,2,3")
        let bytes = try connection.outboundBytes()
        #expect(bytes.hasPrefix("POST /invocations HTTP/1.1\r\n"))
        #expect(bytes.contains("\r\nContent-Length: 5\r\n"))
        #expect(bytes.hasSuffix("\r\n\r\n1,2,3"))
        #expect(try connection.finish())
    }

    // MARK: The answer

    @Test func anAnswerCompletesTheCallerAndReturnsTheConnection() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.answer(
            .ok, headers: ["Content-Type": "text/csv", "Content-Length": "7"], body: ["0.5", ",0.7"])
        let response = try #require(record.response)
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == ["text/csv"])
        #expect(String(buffer: response.body) == "0.5,0.7")
        #expect(connection.idleCount == 1)
        #expect(connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func anAnswerInBytesCompletesTheCallerThroughTheCodec() throws {
        let connection = try EmbeddedBackendConnection(codecs: true)
        let (_, record) = connection.send()
        _ = try connection.outboundBytes()
        try connection.channel.writeInbound(
            ByteBuffer(
                string: "HTTP/1.1 424 Failed Dependency\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 11\r\n\r\n{\"e\":\"bad\"}"))
        let response = try #require(record.response)
        #expect(response.status == 424)
        #expect(response.headers["Content-Type"] == ["application/json"])
        #expect(String(buffer: response.body) == "{\"e\":\"bad\"}")
        #expect(connection.idleCount == 1)
        #expect(connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func anAnswerWithoutBodyHasAnEmptyBody() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.answer(.noContent)
        let response = try #require(record.response)
        #expect(response.status == 204)
        #expect(response.body.readableBytes == 0)
        #expect(try connection.finish())
    }

    @Test func anInterimContinueIsSkipped() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.channel.writeInbound(
            HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .continue)))
        #expect(record.results.isEmpty)
        try connection.answer(.ok, headers: ["Content-Length": "2"], body: ["ok"])
        #expect(record.response?.status == 200)
        #expect(String(buffer: try #require(record.response).body) == "ok")
        #expect(try connection.finish())
    }

    @Test func aKeptAliveConnectionCarriesTheNextExchange() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, first) = connection.send("1")
        try connection.discardOutbound()
        try connection.answer(.ok, headers: ["Content-Length": "5"], body: ["first"])
        let (_, second) = connection.send("2")
        try connection.discardOutbound()
        try connection.answer(.ok, headers: ["Content-Length": "6"], body: ["second"])
        #expect(first.response.map { String(buffer: $0.body) } == "first")
        #expect(second.response.map { String(buffer: $0.body) } == "second")
        #expect(connection.idleCount == 2)
        #expect(connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func connectionCloseAnswersAreDeliveredAndTheConnectionCloses() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.answer(
            .internalServerError, headers: ["Connection": "close", "Content-Length": "4"], body: ["oops"])
        let response = try #require(record.response)
        #expect(response.status == 500)
        #expect(String(buffer: response.body) == "oops")
        #expect(connection.idleCount == 0)
        #expect(!connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func anHTTP10AnswerWithoutKeepAliveIsNotReused() throws {
        let connection = try EmbeddedBackendConnection(codecs: true)
        let (_, record) = connection.send()
        _ = try connection.outboundBytes()
        try connection.channel.writeInbound(ByteBuffer(string: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"))
        #expect(record.response.map { String(buffer: $0.body) } == "ok")
        #expect(connection.idleCount == 0)
        #expect(!connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func anAnswerOverTheLimitFailsWithResponseTooLarge() throws {
        let connection = try EmbeddedBackendConnection(maxBodyBytes: 4)
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.channel.writeInbound(
            HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try connection.channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "123")))
        #expect(record.results.isEmpty)
        try connection.channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "45")))
        #expect(record.error?.kind == .responseTooLarge)
        #expect(connection.idleCount == 0)
        #expect(!connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func anAnswerOfExactlyTheLimitIsAccepted() throws {
        let connection = try EmbeddedBackendConnection(maxBodyBytes: 4)
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.answer(.ok, headers: ["Content-Length": "4"], body: ["12", "34"])
        #expect(record.response.map { String(buffer: $0.body) } == "1234")
        #expect(try connection.finish())
    }

    // MARK: Breaks

    @Test func aClosedConnectionRefusesTheRequestWithConnectFailed() throws {
        let connection = try EmbeddedBackendConnection()
        try connection.channel.close().wait()
        let (_, record) = connection.send()
        #expect(record.error?.kind == .connectFailed)
        #expect(try connection.channel.readOutbound(as: HTTPClientRequestPart.self) == nil)
        #expect(try connection.finish())
    }

    @Test func aCloseBeforeTheAnswerFailsTheCallerWithFailed() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.channel.close().wait()
        #expect(record.error?.kind == .failed)
        #expect(connection.idleCount == 0)
        #expect(try connection.finish())
    }

    @Test func aCloseDuringTheBodyFailsTheCallerWithFailed() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.channel.writeInbound(
            HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try connection.channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "0.")))
        try connection.channel.close().wait()
        #expect(record.error?.kind == .failed)
        #expect(connection.idleCount == 0)
        #expect(try connection.finish())
    }

    @Test func aConnectionErrorInFlightFailsTheCallerAndCloses() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        connection.channel.pipeline.fireErrorCaught(ConnectionReset())
        #expect(record.error?.kind == .failed)
        #expect(!connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func aCloseWhileIdleTouchesNoCaller() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.answer(.ok, headers: ["Content-Length": "0"])
        try connection.channel.close().wait()
        #expect(record.results.count == 1)
        #expect(record.response?.status == 200)
        #expect(try connection.finish())
    }

    @Test func anUnsolicitedAnswerWhileIdleClosesTheConnection() throws {
        let connection = try EmbeddedBackendConnection()
        try connection.channel.writeInbound(
            HTTPClientResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        #expect(!connection.channel.isActive)
        #expect(connection.idleCount == 0)
        #expect(try connection.finish())
    }

    @Test func anUnsolicitedAnswerAfterAnExchangeClosesTheConnection() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send()
        try connection.discardOutbound()
        try connection.answer(.ok, headers: ["Content-Length": "0"])
        #expect(connection.channel.isActive)
        try connection.channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: "extra")))
        #expect(!connection.channel.isActive)
        #expect(record.results.count == 1)
        #expect(try connection.finish())
    }

    // MARK: Cancellation and deadline

    @Test func cancellingTheExchangeInFlightFailsItAndCloses() throws {
        let connection = try EmbeddedBackendConnection()
        let (id, record) = connection.send()
        try connection.discardOutbound()
        connection.handler.cancel(id: id)
        #expect(record.error?.kind == .failed)
        #expect(!connection.channel.isActive)
        #expect(try connection.finish())
    }

    @Test func aLateCancellationDoesNotEndTheNextExchange() throws {
        let connection = try EmbeddedBackendConnection()
        let (firstID, first) = connection.send()
        try connection.discardOutbound()
        try connection.answer(.ok, headers: ["Content-Length": "0"])
        let (_, second) = connection.send()
        try connection.discardOutbound()
        connection.handler.cancel(id: firstID)
        #expect(second.results.isEmpty)
        #expect(connection.channel.isActive)
        try connection.answer(.ok, headers: ["Content-Length": "2"], body: ["ok"])
        #expect(first.response?.status == 200)
        #expect(second.response.map { String(buffer: $0.body) } == "ok")
        #expect(try connection.finish())
    }

    /// The deadline timer runs on the event loop's clock, so `advanceTime(by:)` past the timeout times the exchange
    /// out.
    @Test func aTimeoutOnTheLoopsClockFailsWithTimedOutAndCloses() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send(timeout: .seconds(5))
        try connection.discardOutbound()
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(record.results.isEmpty)
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(record.error?.kind == .timedOut)
        #expect(!connection.channel.isActive)
        #expect(try connection.finish())
    }

    /// The same with a deadline that has already passed when the loop's clock moves.
    @Test func aPassedDeadlineFailsWithTimedOutAndCloses() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send(timeout: .zero)
        try connection.discardOutbound()
        #expect(record.results.isEmpty)
        connection.channel.embeddedEventLoop.advanceTime(to: .now())
        #expect(record.error?.kind == .timedOut)
        #expect(!connection.channel.isActive)
        #expect(connection.idleCount == 0)
        #expect(try connection.finish())
    }

    @Test func anAnswerInTimeIsNotFailedByItsTimerLater() throws {
        let connection = try EmbeddedBackendConnection()
        let (_, record) = connection.send(timeout: .zero)
        try connection.discardOutbound()
        try connection.answer(.ok, headers: ["Content-Length": "2"], body: ["ok"])
        connection.channel.embeddedEventLoop.advanceTime(to: .now())
        #expect(record.results.count == 1)
        #expect(record.response?.status == 200)
        #expect(connection.channel.isActive)
        #expect(try connection.finish())
    }
}

/// A connection error, as a socket would report it.
private struct ConnectionReset: Error {}
