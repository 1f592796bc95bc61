import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// The invocation fast path (ADR 0009): serves `POST /endpoints/{name}/invocations` on the client listener's
/// channels, in front of Hummingbird's request handling, and passes every other request on to the router.
///
/// It reads the invocation's body, runs ``InvocationResponder`` in a task and writes its answer, without the async
/// channel streams, router and responder that Hummingbird puts on every request. The connection's ordering rules are
/// ``InvocationConnectionState``'s. Idle timeout and drain are the job of the `HTTPConnectionStateHandler` placed
/// before it, which sees the requests and answers of both paths.
final class InvocationChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let responder: InvocationResponder
    private var state = InvocationConnectionState()

    init(responder: InvocationResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(state.read(.part(unwrapInboundIn(data)), route: responder.route), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        perform(state.read(.failure(error), route: responder.route), context: context)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        context.write(data, promise: promise)
        guard case .end = unwrapOutboundIn(data) else { return }
        state.answerEnded()
        guard state.isHolding else { return }
        // Released requests go to Hummingbird's handler, which is still in the middle of this write.
        context.eventLoop.assumeIsolated().execute { self.releaseHeld(context: context) }
    }

    func read(context: ChannelHandlerContext) {
        if state.mayRead() { context.read() }
    }

    private func perform(_ action: InvocationConnectionState.Action, context: ChannelHandlerContext) {
        switch action {
        case .none: break
        case .forward(.part(let part)): context.fireChannelRead(wrapInboundOut(part))
        case .forward(.failure(let error)): context.fireErrorCaught(error)
        case .serve(let head, let route, let body): serve(head, route: route, body: body, context: context)
        }
    }

    /// Acts on the held events that can go now, in order.
    private func releaseHeld(context: ChannelHandlerContext) {
        var forwarded = false
        while let action = state.releaseNext(route: responder.route) {
            if case .forward = action { forwarded = true }
            perform(action, context: context)
        }
        if forwarded { context.fireChannelReadComplete() }
        if state.takePutOffRead() { context.read() }
    }

    /// Whether the connection closes once the answer is written: the client asked for it, or the request's body
    /// could not be parsed, after which the connection's byte stream cannot be trusted.
    private static func closesAfterAnswer(_ head: HTTPRequest, body: InvocationRequestBody) -> Bool {
        if case .failed = body { return true }
        return head.headerFields[.connection]?.lowercased() == "close"
    }

    private func serve(
        _ head: HTTPRequest, route: InvocationRoute, body: InvocationRequestBody, context: ChannelHandlerContext
    ) {
        guard case .complete(let buffer) = body else {
            serveInTask(head, route: route, body: body, context: context)
            return
        }
        let requestID = RequestID().description
        let direct = responder.respondDirectly(
            to: head, route: route, body: buffer, requestID: requestID, on: context.eventLoop
        ) { outcome in
            switch outcome {
            case .success(let answer):
                self.write(answer, for: head, body: body, context: context)
            case .failure(.failed(let error)):
                self.serveInTask(head, route: route, body: body, requestID: requestID, failure: error, context: context)
            case .failure(.notSent):
                self.serveInTask(head, route: route, body: body, requestID: requestID, context: context)
            }
        }
        if !direct { serveInTask(head, route: route, body: body, requestID: requestID, context: context) }
    }

    /// Serves the invocation in a task, through the whole pipeline (or, with `failure`, answers that error).
    private func serveInTask(
        _ head: HTTPRequest, route: InvocationRoute, body: InvocationRequestBody, requestID: String? = nil,
        failure: GatewayError? = nil, context: ChannelHandlerContext
    ) {
        let responder = self.responder
        let channel = context.channel
        let answer = context.eventLoop.makePromise(of: InvocationResponder.Answer?.self)
        answer.completeWithTask {
            await responder.respond(
                to: head, route: route, body: body, channel: channel, requestID: requestID, failure: failure)
        }
        answer.futureResult.assumeIsolated().whenSuccess { answer in
            guard let answer else {
                context.close(promise: nil)
                return
            }
            self.write(answer, for: head, body: body, context: context)
        }
    }

    /// Writes an invocation's answer, then closes the connection or goes on with the requests held behind it.
    private func write(
        _ answer: InvocationResponder.Answer, for head: HTTPRequest, body: InvocationRequestBody,
        context: ChannelHandlerContext
    ) {
        context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
        if answer.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(answer.body)), promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if Self.closesAfterAnswer(head, body: body) {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        state.answerEnded()
        releaseHeld(context: context)
    }
}
