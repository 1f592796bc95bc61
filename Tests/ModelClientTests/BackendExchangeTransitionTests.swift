import NIOCore
import NIOHTTP1
import Testing

@testable import ModelClient

/// `BackendExchange` transitions that the GatewayTests suite "Backend exchange" leaves out: answers that break
/// HTTP/1.1 in the middle of an exchange, breaks while the body is arriving, events after the connection is closed,
/// and a kept-alive exchange starting with a fresh body. These are the decisions the channel handler only carries out.
@Suite("Backend exchange transitions")
struct BackendExchangeTransitionTests {
    private static func head(_ status: HTTPResponseStatus = .ok, _ headers: HTTPHeaders = [:]) -> HTTPResponseHead {
        HTTPResponseHead(version: .http1_1, status: status, headers: headers)
    }

    private static func failureKind(_ action: BackendExchange.Action) -> BackendCallError.Kind? {
        guard case .fail(let error) = action else { return nil }
        return error.kind
    }

    @Test func aBodyBeforeTheHeadFailsTheExchange() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        #expect(Self.failureKind(exchange.receivedBody(ByteBuffer(string: "x"))) == .failed)
        #expect(exchange.state == .closed)
    }

    @Test func anEndBeforeTheHeadFailsTheExchange() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        #expect(Self.failureKind(exchange.receivedEnd()) == .failed)
        #expect(exchange.state == .closed)
    }

    @Test func aSecondHeadFailsTheExchange() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        #expect(exchange.receivedHead(Self.head()) == .none)
        #expect(Self.failureKind(exchange.receivedHead(Self.head())) == .failed)
        #expect(exchange.state == .closed)
    }

    @Test func aBreakWhileTheBodyArrivesFailsTheExchange() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        _ = exchange.receivedHead(Self.head())
        _ = exchange.receivedBody(ByteBuffer(string: "0."))
        #expect(Self.failureKind(exchange.connectionEnded(nil)) == .failed)
        #expect(exchange.state == .closed)
    }

    @Test func aTimeoutWhileTheBodyArrivesFailsWithTimedOut() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        _ = exchange.receivedHead(Self.head())
        #expect(Self.failureKind(exchange.timedOut()) == .timedOut)
        #expect(exchange.state == .closed)
    }

    @Test func eventsAfterTheConnectionClosedDoNothingMore() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        _ = exchange.connectionEnded(nil)
        #expect(exchange.connectionEnded(nil) == .none)
        #expect(exchange.timedOut() == .none)
        #expect(exchange.cancelled() == .none)
        #expect(exchange.receivedHead(Self.head()) == .close)
        #expect(exchange.state == .closed)
    }

    @Test func theNextExchangeOnAKeptAliveConnectionStartsWithAnEmptyBody() {
        var exchange = BackendExchange(maxBodyBytes: 16)
        exchange.requestSent()
        _ = exchange.receivedHead(Self.head())
        _ = exchange.receivedBody(ByteBuffer(string: "first"))
        _ = exchange.receivedEnd()
        exchange.requestSent()
        _ = exchange.receivedHead(Self.head(.accepted))
        _ = exchange.receivedBody(ByteBuffer(string: "2nd"))
        let expected = BackendResponse(status: 202, headers: [:], body: ByteBuffer(string: "2nd"))
        #expect(exchange.receivedEnd() == .succeed(expected, reusable: true))
    }

    @Test func theSizeLimitCountsTheWholeBodyNotEachPart() {
        var exchange = BackendExchange(maxBodyBytes: 4)
        exchange.requestSent()
        _ = exchange.receivedHead(Self.head())
        #expect(exchange.receivedBody(ByteBuffer(string: "12")) == .none)
        #expect(exchange.receivedBody(ByteBuffer(string: "34")) == .none)
        #expect(Self.failureKind(exchange.receivedBody(ByteBuffer(string: "5"))) == .responseTooLarge)
    }

    @Test func anHTTP10AnswerIsReusableOnlyWithKeepAlive() {
        for (headers, reusable) in [(HTTPHeaders(), false), (["Connection": "keep-alive"], true)] {
            var exchange = BackendExchange(maxBodyBytes: 4)
            exchange.requestSent()
            _ = exchange.receivedHead(HTTPResponseHead(version: .http1_0, status: .ok, headers: headers))
            guard case .succeed(_, let isReusable) = exchange.receivedEnd() else {
                Issue.record("expected the answer")
                continue
            }
            #expect(isReusable == reusable)
            #expect(exchange.state == (reusable ? .idle : .closed))
        }
    }
}
