import HTTPTypes
import InvocationCore
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue` as soon as the request's head arrives, as nginx does.
///
/// Clients that send this header wait for the interim answer before they send the body, and fall back to sending it
/// anyway after a timeout: curl does for bodies over 1 MiB and waits one second, which every such call would
/// otherwise lose. The request itself goes on unchanged; its final answer follows as usual.
final class ExpectContinueHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data), let expect = head.headerFields[.expect],
            expect.utf8.count == 12, expect.lowercased() == "100-continue"
        {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }
}
