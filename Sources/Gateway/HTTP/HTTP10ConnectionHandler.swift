import InvocationCore
import NIOCore
import NIOHTTP1

/// Gives HTTP/1.0 clients the connection handling their version defines, which the HTTPTypes codec after it loses.
///
/// An HTTP/1.0 connection is persistent only when the client asks with `Connection: keep-alive`; otherwise the server
/// closes it after the answer, and clients such as ApacheBench wait for that close to end the response. Hummingbird
/// sees requests without their version, so this handler sits between NIO's HTTP/1 codec and the HTTPTypes codec:
/// - A request without keep-alive gets `Connection: close`, which the invocation fast path and the router both honour.
///   Its answer says `Connection: close`, and the connection closes once it is written.
/// - A request with keep-alive gets `Connection: keep-alive` on its answer, which such clients look for.
/// - An `Expect` header is dropped: an HTTP/1.0 client cannot be sent `100 Continue`.
/// - The answer's version is HTTP/1.0, so a body of unknown length ends with the connection instead of being chunked,
///   which HTTP/1.0 lacks; the connection then closes after it even when the client asked to keep it.
///
/// HTTP/1.1 requests pass unchanged. Answers are matched to requests in order; interim (1xx) answers are skipped.
/// An HTTP/1.1 request that arrives with no HTTP/1.0 answer outstanding takes the handler out of the pipeline, so
/// HTTP/1.1 connections, nearly all of them, do not pay for it past their first request.
final class HTTP10ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What a request awaiting its answer asked of the connection.
    private enum Persistence {
        /// An HTTP/1.1 request: its answer passes unchanged.
        case http11
        /// An HTTP/1.0 request with `Connection: keep-alive`.
        case keepAlive
        /// An HTTP/1.0 request without it.
        case close
    }

    private var awaitingAnswers = CircularBuffer<Persistence>()
    /// Whether the answer being written is the last on this connection.
    private var closesAfterAnswer = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        guard head.version == .http1_0 else {
            context.fireChannelRead(data)
            if awaitingAnswers.isEmpty && !closesAfterAnswer {
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            } else {
                awaitingAnswers.append(.http11)
            }
            return
        }
        head.headers.remove(name: "expect")
        if head.isKeepAlive {
            awaitingAnswers.append(.keepAlive)
        } else {
            awaitingAnswers.append(.close)
            head.headers.replaceOrAdd(name: "Connection", value: "close")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where head.status.code >= 200:
            let persistence = awaitingAnswers.popFirst() ?? .http11
            guard persistence != .http11 else { break }
            head.version = .http1_0
            head.headers.remove(name: "transfer-encoding")
            closesAfterAnswer =
                persistence == .close || !head.headers.contains(name: "content-length")
                || head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
            head.headers.replaceOrAdd(name: "Connection", value: closesAfterAnswer ? "close" : "keep-alive")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            return
        case .end where closesAfterAnswer:
            closesAfterAnswer = false
            let written = promise ?? context.eventLoop.makePromise()
            context.writeAndFlush(data, promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        case .head, .body, .end:
            break
        }
        context.write(data, promise: promise)
    }
}
