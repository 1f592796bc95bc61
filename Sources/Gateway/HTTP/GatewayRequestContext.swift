import Hummingbird
import InvocationCore
import NIOCore

/// The request context of both listeners: Hummingbird's core storage, the connection (for the peer address) and
/// the request id.
public struct GatewayRequestContext: RequestContext {
    /// Hummingbird's per-request storage (logger with `hb.request.id`, route parameters).
    public var coreContext: CoreRequestContextStorage
    /// The connection the request arrived on.
    private let channel: any Channel

    /// Creates the context of a request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.requestID = source.logger[metadataKey: "hb.request.id"]?.description ?? ""
    }

    /// The request id (Hummingbird's, from the logger metadata), also returned as `x-amzn-RequestId`.
    public let requestID: String

    /// The client's address, for `$context.identity.sourceIp` (read only when a template asks for it).
    public var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// Bodies are read by the pipeline with the configured limit; this bounds generic decoding only.
    public var maxUploadSize: Int { 6 * 1024 * 1024 }
}
