import Gateway
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes

/// The client connection target: the bytes as a client sends them, through the listeners' own pipeline (NIO's
/// HTTP/1 codec, the client connection handler and its state machine, the HTTPTypes codec) on an `EmbeddedChannel`,
/// with a responder in the router's place that answers each request once it is read. The input arrives in pieces
/// whose sizes it chooses; then time passes beyond every timeout, and the client goes away.
enum HTTPFuzzing {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let channel = EmbeddedChannel()
        do {
            try ClientConnectionPipeline.addHandlers(
                to: channel.pipeline.syncOperations, idleTimeout: .seconds(75), receiveTimeout: .seconds(60))
            try channel.pipeline.syncOperations.addHandler(Responder())
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        } catch {
            return
        }
        var start = 0
        while start < bytes.count, channel.isActive {
            let size = max(1, Int(bytes[start] % 128))
            let end = min(bytes.count, start + size)
            var buffer = channel.allocator.buffer(capacity: end - start)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            do {
                try channel.writeInbound(buffer)
            } catch {
                break
            }
            drain(channel)
            start = end
        }
        channel.embeddedEventLoop.advanceTime(by: .seconds(120))
        drain(channel)
        _ = try? channel.finish()
    }

    /// Takes what the pipeline wrote, as the client's socket would.
    private static func drain(_ channel: EmbeddedChannel) {
        while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
        while (try? channel.readInbound(as: HTTPRequestPart.self)) != nil {}
    }

    /// Answers each request at its end with a short 200, as the router does for `/ping`.
    final class Responder: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPRequestPart
        typealias OutboundOut = HTTPResponsePart

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            var fields = HTTPFields()
            fields[.contentLength] = "2"
            context.write(wrapOutboundOut(.head(HTTPResponse(status: .ok, headerFields: fields))), promise: nil)
            context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(string: "OK"))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
