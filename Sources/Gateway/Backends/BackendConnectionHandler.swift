import NIOCore
import NIOHTTP1

/// Runs one ``BackendExchange`` at a time on a keep-alive HTTP/1.1 connection to a model server: writes the request,
/// collects the answer, enforces the deadline, and tells its pool whether the connection can be used again.
///
/// Every method runs on the channel's event loop.
final class BackendConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Never
    typealias OutboundOut = HTTPClientRequestPart

    private var exchange: BackendExchange
    private var promise: EventLoopPromise<BackendResponse>?
    /// The caller's id of the exchange in flight, so that a late cancellation cannot end a later exchange.
    private var exchangeID: UInt64 = 0
    private var deadline: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    /// Called on the event loop when an exchange ends with the connection reusable.
    private let onIdle: (BackendConnectionHandler, Channel) -> Void

    init(maxBodyBytes: Int, onIdle: @escaping (BackendConnectionHandler, Channel) -> Void) {
        self.exchange = BackendExchange(maxBodyBytes: maxBodyBytes)
        self.onIdle = onIdle
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends `head` and `body` as exchange `id`; `promise` completes with the answer or a ``BackendCallError``.
    func send(
        id: UInt64, head: HTTPRequestHead, body: ByteBuffer?, timeout: TimeAmount,
        promise: EventLoopPromise<BackendResponse>
    ) {
        guard let context, context.channel.isActive, exchange.state == .idle else {
            promise.fail(
                BackendCallError(kind: .connectFailed, detail: "the kept-alive connection closed before the request was sent"))
            return
        }
        exchange.requestSent()
        exchangeID = id
        self.promise = promise
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.perform(self.exchange.timedOut())
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    /// Ends exchange `id` if it is still in flight, because its caller was cancelled.
    func cancel(id: UInt64) {
        guard id == exchangeID else { return }
        perform(exchange.cancelled())
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): perform(exchange.receivedHead(head))
        case .body(let part): perform(exchange.receivedBody(part))
        case .end: perform(exchange.receivedEnd())
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(exchange.connectionEnded(nil))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(exchange.connectionEnded(error))
    }

    private func perform(_ action: BackendExchange.Action) {
        switch action {
        case .none:
            return
        case .succeed(let response, let reusable):
            let promise = takePromise()
            if reusable, let channel = context?.channel {
                onIdle(self, channel)
            } else {
                context?.close(promise: nil)
            }
            promise?.succeed(response)
        case .fail(let error):
            let promise = takePromise()
            context?.close(promise: nil)
            promise?.fail(error)
        case .close:
            context?.close(promise: nil)
        }
    }

    private func takePromise() -> EventLoopPromise<BackendResponse>? {
        deadline?.cancel()
        deadline = nil
        defer { promise = nil }
        return promise
    }
}
