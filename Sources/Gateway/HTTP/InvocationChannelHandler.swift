import HTTPTypes
import Hummingbird
import InvocationCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// The invocation fast path (ADR 0009): serves `POST /endpoints/{name}/invocations` on the client listener's
/// channels, in front of Hummingbird's request handling, and passes every other request on to the router.
///
/// It reads the invocation's body, hands it to ``InvocationPipeline/invoke(_:on:completion:)`` as an
/// ``InvocationRequest`` on the channel's event loop, and writes the answer ``InvocationRenderer`` makes of the
/// outcome, without the async channel streams, router and responder that Hummingbird puts on every request. The
/// connection's ordering rules are ``InvocationConnectionState``'s. Idle timeout and drain are the job of the
/// `HTTPConnectionStateHandler` placed before it, which sees the requests and answers of both paths.
final class InvocationChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let pipeline: InvocationPipeline
    private let renderer: InvocationRenderer
    private var state = InvocationConnectionState()
    /// The route of a request head if this handler serves it, with the body limit in force.
    private let route: (HTTPRequest) -> InvocationRoute?

    init(pipeline: InvocationPipeline, renderer: InvocationRenderer) {
        self.pipeline = pipeline
        self.renderer = renderer
        let runtime = pipeline.runtime
        self.route = { InvocationRoute($0, maxBodyBytes: runtime.maxBodyBytes) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(state.read(.part(unwrapInboundIn(data)), route: route), context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        perform(state.read(.failure(error), route: route), context: context)
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
        while let action = state.releaseNext(route: route) {
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
        let request = InvocationRequest(
            head: head, endpointName: route.endpointName, body: body, remoteAddress: context.channel.remoteAddress,
            requestID: RequestID().description, receivedAt: .now)
        pipeline.invoke(request, on: context.eventLoop) { outcome in
            let answer = self.renderer.render(outcome, for: request, logger: self.pipeline.logger(for: request))
            self.write(answer, closing: Self.closesAfterAnswer(head, body: body), context: context)
        }
    }

    /// Writes an invocation's answer, then closes the connection or goes on with the requests held behind it.
    private func write(_ answer: InvocationAnswer, closing: Bool, context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(answer.head)), promise: nil)
        if answer.body.readableBytes > 0 { context.write(wrapOutboundOut(.body(answer.body)), promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closing {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        state.answerEnded()
        releaseHeld(context: context)
    }
}
