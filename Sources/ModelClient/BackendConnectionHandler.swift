import NIOCore
import NIOHTTP1

/// Runs one ``BackendExchange`` at a time on a keep-alive HTTP/1.1 connection to a model server: writes the request,
/// collects the answer, enforces the deadline, and tells its pool whether the connection can be used again.
///
/// Every method runs on the channel's event loop.
package final class BackendConnectionHandler: ChannelDuplexHandler {
    package typealias InboundIn = HTTPClientResponsePart
    package typealias OutboundIn = Never
    package typealias OutboundOut = HTTPClientRequestPart

    private var exchange: BackendExchange
    private var caller: BackendCaller?
    /// The caller's id of the exchange in flight, so that a late cancellation cannot end a later exchange.
    private var exchangeID: UInt64 = 0
    /// When the exchange in flight times out.
    private var deadline: NIODeadline?
    /// The deadline timer and when it fires. It is armed for the first exchange and re-armed only when it fires
    /// (for the exchange then in flight) or when an exchange needs an earlier deadline, so that back-to-back
    /// exchanges on a kept-alive connection neither schedule nor cancel a timer each.
    private var timer: (task: Scheduled<Void>, firesAt: NIODeadline)?
    private var context: ChannelHandlerContext?
    /// Called on the event loop when an exchange ends with the connection reusable.
    private let onIdle: (BackendConnectionHandler, Channel) -> Void

    package init(maxBodyBytes: Int, onIdle: @escaping (BackendConnectionHandler, Channel) -> Void) {
        self.exchange = BackendExchange(maxBodyBytes: maxBodyBytes)
        self.onIdle = onIdle
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timer?.task.cancel()
        timer = nil
    }

    /// Sends `head` and `body` as exchange `id`; `caller` gets the answer or a ``BackendCallError``.
    package func send(
        id: UInt64, head: HTTPRequestHead, body: ByteBuffer?, timeout: TimeAmount,
        caller: BackendCaller
    ) {
        guard let context, context.channel.isActive, exchange.state == .idle else {
            caller.resume(
                throwing: BackendCallError(
                    kind: .connectFailed, detail: "the kept-alive connection closed before the request was sent"))
            return
        }
        exchange.requestSent()
        exchangeID = id
        self.caller = caller
        let deadline = context.eventLoop.now + timeout
        self.deadline = deadline
        // An armed timer that fires no later than this deadline re-arms itself for this exchange when it fires.
        if timer.map({ $0.firesAt > deadline }) ?? true {
            armTimer(at: deadline, context: context)
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func armTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer?.task.cancel()
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { self.timerFired() }
        timer = (task, deadline)
    }

    /// Times out the exchange in flight if its deadline passed, else waits for it.
    private func timerFired() {
        timer = nil
        guard let deadline, let context else { return }
        if deadline <= context.eventLoop.now {
            perform(exchange.timedOut())
        } else {
            armTimer(at: deadline, context: context)
        }
    }

    /// Ends exchange `id` if it is still in flight, because its caller was cancelled.
    package func cancel(id: UInt64) {
        guard id == exchangeID else { return }
        perform(exchange.cancelled())
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): perform(exchange.receivedHead(head))
        case .body(let part): perform(exchange.receivedBody(part))
        case .end: perform(exchange.receivedEnd())
        }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        perform(exchange.connectionEnded(nil))
        context.fireChannelInactive()
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        perform(exchange.connectionEnded(error))
    }

    private func perform(_ action: BackendExchange.Action) {
        switch action {
        case .none:
            return
        case .succeed(let response, let reusable):
            let caller = takeCaller()
            if reusable, let channel = context?.channel {
                onIdle(self, channel)
            } else {
                context?.close(promise: nil)
            }
            caller?.resume(returning: response)
        case .fail(let error):
            let caller = takeCaller()
            context?.close(promise: nil)
            caller?.resume(throwing: error)
        case .close:
            context?.close(promise: nil)
        }
    }

    private func takeCaller() -> BackendCaller? {
        deadline = nil
        defer { caller = nil }
        return caller
    }
}
