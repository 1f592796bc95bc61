import NIOCore
import NIOHTTP1
import Testing

@testable import Gateway
@testable import InvocationCore
@testable import ModelClient

@Suite("Backend exchange")
struct BackendExchangeTests {
    private func head(_ status: HTTPResponseStatus = .ok, _ headers: HTTPHeaders = [:]) -> HTTPResponseHead {
        HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }

    @Test func collectsTheAnswerAndKeepsTheConnection() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        #expect(exchange.receivedHead(head(.ok, ["Content-Type": "text/csv"])) == .none)
        #expect(exchange.receivedBody(ByteBuffer(string: "0.5")) == .none)
        #expect(exchange.receivedBody(ByteBuffer(string: "00")) == .none)
        let expected = BackendResponse(
            status: 200, headers: ["Content-Type": "text/csv"], body: ByteBuffer(string: "0.500"))
        #expect(exchange.receivedEnd() == .succeed(expected, reusable: true))
        #expect(exchange.state == .idle)
    }

    @Test func connectionCloseIsNotReused() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        _ = exchange.receivedHead(head(.internalServerError, ["Connection": "close"]))
        #expect(
            exchange.receivedEnd()
                == .succeed(
                    BackendResponse(status: 500, headers: ["Connection": "close"], body: ByteBuffer()), reusable: false)
        )
        #expect(exchange.state == .closed)
    }

    @Test func tooLargeAnswerFailsAndCloses() {
        var exchange = BackendExchange(maxBodyBytes: 4)
        exchange.requestSent()
        _ = exchange.receivedHead(head())
        guard case .fail(let error) = exchange.receivedBody(ByteBuffer(string: "12345")) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == .responseTooLarge)
        #expect(exchange.state == .closed)
    }

    @Test func deadlineFailsOnlyWhileWaiting() {
        var idle = BackendExchange(maxBodyBytes: 4)
        #expect(idle.timedOut() == .none)
        var waiting = BackendExchange(maxBodyBytes: 4)
        waiting.requestSent()
        #expect(waiting.timedOut() == .fail(BackendCallError(kind: .timedOut, detail: "timed out")))
        #expect(waiting.receivedHead(head()) == .close)
    }

    @Test func closeBeforeTheAnswerIsAFailureAfterSending() {
        var exchange = BackendExchange(maxBodyBytes: 4)
        exchange.requestSent()
        guard case .fail(let error) = exchange.connectionEnded(nil) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.kind == .failed)
        var idle = BackendExchange(maxBodyBytes: 4)
        #expect(idle.connectionEnded(nil) == .close)
    }

    @Test func unexpectedAnswerWhileIdleClosesTheConnection() {
        var exchange = BackendExchange(maxBodyBytes: 4)
        #expect(exchange.receivedHead(head()) == .close)
        #expect(exchange.state == .closed)
    }

    @Test func continueIsSkipped() {
        var exchange = BackendExchange(maxBodyBytes: 4)
        exchange.requestSent()
        #expect(exchange.receivedHead(head(.continue)) == .none)
        #expect(exchange.state == .awaitingHead)
    }

    @Test func cancellationFailsTheExchangeInFlight() {
        var exchange = BackendExchange(maxBodyBytes: 4)
        #expect(exchange.cancelled() == .none)
        exchange.requestSent()
        #expect(exchange.cancelled() == .fail(BackendCallError(kind: .failed, detail: "the call was cancelled")))
        #expect(exchange.state == .closed)
    }
}
