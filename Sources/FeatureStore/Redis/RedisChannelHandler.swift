import NIOCore

/// Writes encoded commands and decodes replies with hiredis, matching replies to requests in FIFO order.
///
/// Many requests may be in flight (pipelining). If the oldest request waits longer than the command timeout, or the
/// reply stream is invalid, every pending request fails and the channel closes: after a lost reply the order of the
/// stream cannot be trusted any more.
final class RedisChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var remaining: Int
        var replies: [RESPValue]
        let promise: EventLoopPromise<[RESPValue]>
        let deadline: NIODeadline
    }

    private let reader: RESPReader
    private let commandTimeout: TimeAmount
    private var pending = CircularBuffer<Pending>()
    private var timer: Scheduled<Void>?
    private var closed = false

    init(commandTimeout: TimeAmount) throws(RedisError) {
        self.reader = try RESPReader()
        self.commandTimeout = commandTimeout
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard !closed else {
            request.promise.fail(RedisError.connectionClosed)
            promise?.fail(RedisError.connectionClosed)
            return
        }
        let deadline = NIODeadline.now() + commandTimeout
        pending.append(
            Pending(remaining: request.replyCount, replies: [], promise: request.promise, deadline: deadline))
        if timer == nil { armTimer(context: context, deadline: deadline) }
        context.write(wrapOutboundOut(request.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            try buffer.withUnsafeReadableBytes { bytes throws(RedisError) in try reader.feed(bytes) }
            while let reply = try reader.next() {
                try deliver(reply)
            }
        } catch {
            failAll(error, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        failAll(RedisError.connectionClosed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(RedisError.connectionError("\(error)"), context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        closed = true
        timer?.cancel()
        timer = nil
        let waiting = pending
        pending.removeAll()
        for request in waiting { request.promise.fail(RedisError.connectionClosed) }
    }

    private func deliver(_ reply: RESPValue) throws(RedisError) {
        guard !pending.isEmpty else { throw RedisError.protocolError("reply without a pending command") }
        pending[pending.startIndex].replies.append(reply)
        pending[pending.startIndex].remaining -= 1
        if pending[pending.startIndex].remaining <= 0 {
            let done = pending.removeFirst()
            done.promise.succeed(done.replies)
        }
    }

    private func failAll(_ error: Error, context: ChannelHandlerContext) {
        let waiting = pending
        pending.removeAll()
        timer?.cancel()
        timer = nil
        for request in waiting { request.promise.fail(error) }
        if !closed {
            closed = true
            context.close(promise: nil)
        }
    }

    private func armTimer(context: ChannelHandlerContext, deadline: NIODeadline) {
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timerFired(context: loopBoundContext.value)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let oldest = pending.first else { return }
        if oldest.deadline <= .now() {
            failAll(RedisError.commandTimeout, context: context)
        } else {
            armTimer(context: context, deadline: oldest.deadline)
        }
    }
}
