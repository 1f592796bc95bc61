import Hummingbird
import NIOCore

/// The request context of both listeners: Hummingbird's core storage plus the peer address.
public struct GatewayRequestContext: RequestContext {
    /// Hummingbird's per-request storage (logger with `hb.request.id`, route parameters).
    public var coreContext: CoreRequestContextStorage
    /// The client's address, for `$context.identity.sourceIp` and logs.
    public let remoteAddress: SocketAddress?

    /// Creates the context of a request.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.requestID = source.logger[metadataKey: "hb.request.id"]?.description ?? ""
    }

    /// The request id (Hummingbird's, from the logger metadata), also returned as `x-amzn-RequestId`.
    public let requestID: String

    /// Bodies are read by the pipeline with the configured limit; this bounds generic decoding only.
    public var maxUploadSize: Int { 6 * 1024 * 1024 }
}
