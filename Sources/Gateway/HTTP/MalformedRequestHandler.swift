import HTTPTypes
import InvocationCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers bytes that are not a valid HTTP/1.1 request (a malformed header line, headers over the size limit, a bad
/// `Content-Length` …) with an AWS-style 400 `ValidationError` naming the problem, then closes the connection: after
/// a parse error the rest of its byte stream cannot be trusted.
///
/// Without it Hummingbird answers such requests with a bare 400 and no body. A parse error after a complete request
/// that is still being answered is answered after it, in order. One in the middle of a request's body goes on to the
/// reader of that body, whose request then fails with its own 400.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Requests whose head arrived and whose answer has not ended yet.
    private var requestsInFlight = 0
    /// Whether a request's head arrived and its end has not.
    private var isReadingRequest = false
    /// A parse error that waits for the answer of the request before it.
    private var deferredError: HTTPParserError?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            requestsInFlight += 1
            isReadingRequest = true
        case .end: isReadingRequest = false
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        requestsInFlight -= 1
        context.write(data, promise: promise)
        if requestsInFlight == 0, let deferredError {
            self.deferredError = nil
            answer(deferredError, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError, !isReadingRequest else {
            context.fireErrorCaught(error)
            return
        }
        if requestsInFlight == 0 {
            answer(parseError, context: context)
        } else {
            deferredError = parseError
        }
    }

    private func answer(_ parseError: HTTPParserError, context: ChannelHandlerContext) {
        let answer = GatewayError.validation("The request is not valid HTTP/1.1: \(Self.problem(parseError)).")
        let body = ByteBuffer(string: answer.body)
        var headers = answer.responseHeaders
        headers[.contentLength] = String(body.readableBytes)
        headers[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.status, headerFields: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// What is wrong, in words, with the parser's name for it.
    static func problem(_ error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: "its headers are larger than the limit of 80 KiB (headerOverflow)"
        case .invalidHeaderToken, .invalidCharactersUsed, .lfExpected:
            "a header line is malformed (\(error))"
        case .invalidContentLength, .unexpectedContentLength: "its Content-Length is invalid (\(error))"
        case .invalidChunkSize: "a chunk size of its chunked body is invalid (invalidChunkSize)"
        // llhttp raises invalidConstant in the request line only ("Expected HTTP/", a space in the target).
        case .invalidMethod, .invalidURL, .invalidVersion, .invalidHost, .invalidPort, .invalidPath,
            .invalidQueryString, .invalidFragment, .invalidConstant:
            "its request line is malformed (\(error))"
        default: "\(error)"
        }
    }
}
