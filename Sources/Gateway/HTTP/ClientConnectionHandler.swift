import HTTPTypes
import Hummingbird
import InvocationCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// The one handler of a client connection (issue 18, ADR 0012), between NIO's HTTP/1 codec and the HTTPTypes codec
/// that leads to Hummingbird's router, where a request's HTTP version is still known.
///
/// It serves invocations (`POST /endpoints/{name}/invocations`) itself: it reads the body, hands an
/// ``InvocationRequest`` to ``InvocationPipeline/invoke(_:on:completion:)`` on the channel's event loop and writes
/// the answer ``InvocationRenderer`` makes of the outcome, without the async channel streams, router and responder
/// Hummingbird puts on every request. Every other request goes on to the router. Whichever side answers, the
/// connection follows one set of rules, ``StateMachine``'s: one answer at a time in request order (pipelined
/// requests are held with reads paused), HTTP/1.0 keep-alive, 400 for bytes that are not HTTP, `100 Continue`,
/// back-pressure from a client that does not read, the idle and receive timeouts, and `Connection: close` on every
/// answer once the gateway drains.
final class ClientConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The invocation core and how its outcomes are written; the admin listener serves no invocations.
    struct Invocations: Sendable {
        let pipeline: InvocationPipeline
        let renderer: InvocationRenderer
    }

    private let invocations: Invocations?
    private let limit: ConnectionLimit?
    private var state: StateMachine
    private var timer: Scheduled<Void>?
    /// Whether the connection was counted in by ``limit``, and so must be counted out.
    private var admitted = false
    /// Whether ``start(context:)`` ran: a channel may be active both when the handler is added and after.
    private var started = false

    init(invocations: Invocations?, timeouts: StateMachine.Timeouts, limit: ConnectionLimit? = nil) {
        self.invocations = invocations
        self.limit = limit
        self.state = StateMachine(timeouts: timeouts)
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    /// The connection is open: it is counted in, or closed at once when its listener is at its limit.
    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        if let limit {
            guard limit.admit() else {
                context.close(promise: nil)
                return
            }
            admitted = true
        }
        state.connectionStarted(now: context.eventLoop.now)
        armTimer(context: context)
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        if admitted {
            admitted = false
            limit?.release()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if state.quiesce() { context.close(promise: nil) }
    }

    // MARK: Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let inbound: StateMachine.Inbound
        switch unwrapInboundIn(data) {
        case .head(let head):
            let limit = invocations?.pipeline.runtime.maxBodyBytes
            let route = limit.flatMap { InvocationRoute(head, maxBodyBytes: $0) }
            inbound = .head(.init(head: head, route: route, maxBodyBytes: limit))
        case .body(let part): inbound = .body(part)
        case .end(let trailers): inbound = .end(trailers)
        }
        perform(state.read(inbound, now: context.eventLoop.now), context: context)
        armTimer(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        perform(state.read(.parseError(parseError), now: context.eventLoop.now), context: context)
    }

    func read(context: ChannelHandlerContext) {
        if state.mayRead() { context.read() }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Nobody after this handler reads a lingering connection's dropped bytes, so it asks for more itself.
        if state.isLingering { context.read() }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        state.writabilityChanged(isWritable: context.channel.isWritable)
        if state.takePutOffRead() { context.read() }
        context.fireChannelWritabilityChanged()
    }

    private func perform(_ action: StateMachine.ReadAction, context: ChannelHandlerContext) {
        switch action {
        case .nothing: break
        case .forward(let part, let sendContinue):
            if sendContinue { writeContinue(context: context) }
            context.fireChannelRead(wrapInboundOut(part))
        case .forwardError(let error): context.fireErrorCaught(error)
        case .sendContinue: writeContinue(context: context)
        case .serve(let route, let body): serve(route, body: body, context: context)
        case .rejectMalformed(let error):
            writeAndClose(.validation("The request is not valid HTTP/1.1: \(Self.problem(error))."), context: context)
        case .reject(let error):
            let (head, body) = Self.answer(error)
            write(head, body: body, context: context)
        case .close: context.close(promise: nil)
        }
    }

    /// Acts on the held events that can go now, in order, then on a read put off meanwhile.
    private func releaseHeld(context: ChannelHandlerContext) {
        var forwarded = false
        while let action = state.releaseNext(now: context.eventLoop.now) {
            if case .forward = action { forwarded = true }
            perform(action, context: context)
        }
        if forwarded { context.fireChannelReadComplete() }
        if state.takePutOffRead() { context.read() }
        armTimer(context: context)
    }

    // MARK: Answers from the router

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !state.dropsWrites else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var head):
            state.answerHead(&head)
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            switch state.answerEnded(now: context.eventLoop.now) {
            case .close, .linger:
                let written = promise ?? context.eventLoop.makePromise()
                context.writeAndFlush(data, promise: written)
                closeAfter(written.futureResult, context: context)
            case .goOn:
                context.write(data, promise: promise)
                armTimer(context: context)
                guard state.isHolding else { return }
                // Released requests go to Hummingbird's handler, which is still in the middle of this write.
                context.eventLoop.assumeIsolated().execute { self.releaseHeld(context: context) }
            }
        }
    }

    // MARK: Invocations

    private func serve(_ route: InvocationRoute, body: InvocationRequestBody, context: ChannelHandlerContext) {
        guard let invocations else { return }
        let request = InvocationRequest(
            head: route.request, endpointName: route.endpointName, body: body,
            remoteAddress: context.channel.remoteAddress, requestID: RequestID().description, receivedAt: .now)
        invocations.pipeline.invoke(request, on: context.eventLoop) { outcome in
            let logger = invocations.pipeline.logger(for: request)
            self.write(invocations.renderer.render(outcome, for: request, logger: logger), context: context)
        }
    }

    /// Writes an invocation's answer.
    private func write(_ answer: InvocationAnswer, context: ChannelHandlerContext) {
        write(HTTPResponseHead(answer.head), body: answer.body, context: context)
    }

    /// Writes an answer of the handler's own, then closes the connection or goes on with the requests held
    /// behind it.
    private func write(_ head: HTTPResponseHead, body: ByteBuffer, context: ChannelHandlerContext) {
        var head = head
        state.answerHead(&head)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        switch state.answerEnded(now: context.eventLoop.now) {
        case .close, .linger:
            closeAfter(context.writeAndFlush(wrapOutboundOut(.end(nil))), context: context)
        case .goOn:
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            releaseHeld(context: context)
        }
    }

    /// Closes the connection once the last answer is written; while the state machine lingers, closes only the
    /// output, and reads on until its request ends or the lingering bounds are reached.
    private func closeAfter(_ written: EventLoopFuture<Void>, context: ChannelHandlerContext) {
        written.assumeIsolated().whenComplete { _ in
            guard self.state.isLingering else {
                context.close(promise: nil)
                return
            }
            context.close(mode: .output, promise: nil)
            self.armTimer(context: context)
            context.read()
        }
    }

    // MARK: The handler's own answers

    private func writeContinue(context: ChannelHandlerContext) {
        context.writeAndFlush(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
    }

    /// Answers `error` and closes the connection: for bytes that are not HTTP, and for a request that did not
    /// arrive in time.
    private func writeAndClose(_ error: GatewayError, context: ChannelHandlerContext) {
        var (head, body) = Self.answer(error)
        head.headers.replaceOrAdd(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// The AWS-style answer of an error the handler answers itself.
    private static func answer(_ error: GatewayError) -> (HTTPResponseHead, ByteBuffer) {
        let body = ByteBuffer(string: error.body)
        var headers = HTTPHeaders(error.responseHeaders)
        headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
        let status = HTTPResponseStatus(statusCode: error.status.code)
        return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), body)
    }

    /// The most bytes of a request's head, in all and per field, that the HTTP/1 decoder accepts.
    static let maxHeaderBytes = 80 * 1024
    /// The most header fields in a request that the HTTP/1 decoder accepts.
    static let maxHeaderFields = 1000

    /// What is wrong, in words, with a request the parser refused, with the parser's name for it.
    static func problem(_ error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow:
            "its headers are over the limits of \(Self.maxHeaderBytes / 1024) KiB and \(Self.maxHeaderFields) fields "
                + "(headerOverflow)"
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

    // MARK: Timer

    private func armTimer(context: ChannelHandlerContext) {
        guard let deadline = state.timerToArm() else { return }
        timer?.cancel()
        schedule(at: deadline, context: context)
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) {
            self.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        switch state.timerFired(now: context.eventLoop.now) {
        case .none: break
        case .close: context.close(promise: nil)
        case .rejectTimedOut:
            writeAndClose(
                GatewayError(
                    code: .requestTimeout, status: .requestTimeout,
                    message:
                        "The request did not arrive in time: request_receive_timeout bounds a whole request, "
                        + "client_idle_timeout a pause while it is sent."),
                context: context)
        case .rearm(let deadline): schedule(at: deadline, context: context)
        }
    }
}

/// An invocation request the invocation core serves: `POST /endpoints/{name}/invocations`.
struct InvocationRoute: Equatable {
    /// The request head in the core's HTTPTypes form.
    var request: HTTPRequest
    /// The percent-decoded `{name}` segment.
    var endpointName: String
    /// The body limit in force when its head arrived.
    var maxBodyBytes: Int

    /// The route of `head` if it is an invocation the core serves: `POST` to exactly `/endpoints/{name}/invocations`
    /// (with or without a query), declaring no body over `maxBodyBytes`. Any other request, including an oversized
    /// one that the router refuses before reading its body, is left to the router.
    init?(_ head: HTTPRequestHead, maxBodyBytes: Int) {
        guard head.method == .POST else { return nil }
        let path = head.uri.utf8
        let prefix = "/endpoints/".utf8
        guard path.starts(with: prefix) else { return nil }
        let nameStart = path.index(path.startIndex, offsetBy: prefix.count)
        guard let nameEnd = path[nameStart...].firstIndex(of: UInt8(ascii: "/")), nameStart < nameEnd else {
            return nil
        }
        let rest = path[nameEnd...]
        let suffix = "/invocations".utf8
        guard rest.starts(with: suffix) else { return nil }
        let afterSuffix = rest.index(rest.startIndex, offsetBy: suffix.count)
        guard afterSuffix == rest.endIndex || rest[afterSuffix] == UInt8(ascii: "?") else { return nil }
        if let length = head.headers.first(name: "content-length"), let declared = Int(length),
            declared > maxBodyBytes
        {
            return nil
        }
        guard let request = try? HTTPRequest(head, secure: false, splitCookie: false) else { return nil }
        self.request = request
        self.endpointName = ClientAPI.decoded(segment: String(Substring(path[nameStart..<nameEnd])))
        self.maxBodyBytes = maxBodyBytes
    }
}
