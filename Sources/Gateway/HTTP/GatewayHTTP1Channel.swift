import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The HTTP/1 child channel of both listeners: NIO's HTTP/1 codec, then the listener's
/// ``ClientConnectionHandler``, then the HTTPTypes codec and the async channel that Hummingbird's router reads.
///
/// The gateway sets the pipeline up itself rather than inserting into the one `HTTP1Channel` builds, so its
/// connection handler sits where the HTTP version is still known, and Hummingbird's own connection state handler
/// (idle timeout, drain) is not there to count the same requests a second time.
struct GatewayHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    /// Makes the connection handler of a new connection.
    let connectionHandler: @Sendable () -> ClientConnectionHandler

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try ClientConnectionPipeline.addHandlers(
                to: channel.pipeline.syncOperations, connectionHandler: connectionHandler())
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// The gateway's HTTP/1 server, with `connectionHandler` making each connection's handler.
    static func gatewayHTTP1(connectionHandler: @escaping @Sendable () -> ClientConnectionHandler) -> HTTPServerBuilder
    {
        .init { responder in GatewayHTTP1Channel(responder: responder, connectionHandler: connectionHandler) }
    }
}

/// The handlers of a client or admin connection, from bytes to the HTTPTypes request parts the router reads.
package enum ClientConnectionPipeline {
    /// Adds the handlers of a connection that serves no invocations (the admin listener's kind) with these
    /// timeouts: the fuzz target of the client connection builds its channel with this, so it fuzzes the listeners'
    /// own pipeline and state machine.
    package static func addHandlers(
        to operations: ChannelPipeline.SynchronousOperations, idleTimeout: TimeAmount?, receiveTimeout: TimeAmount?
    ) throws {
        let timeouts = ClientConnectionHandler.StateMachine.Timeouts(idle: idleTimeout, receive: receiveTimeout)
        try addHandlers(
            to: operations, connectionHandler: ClientConnectionHandler(invocations: nil, timeouts: timeouts))
    }

    /// Adds the handlers that turn a connection's bytes into HTTPTypes request parts: NIO's HTTP/1 codec with the
    /// gateway's header limits, `connectionHandler`, then the HTTPTypes codec.
    static func addHandlers(
        to operations: ChannelPipeline.SynchronousOperations, connectionHandler: ClientConnectionHandler
    ) throws {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = ClientConnectionHandler.maxHeaderBytes
        limits.maxHeaderListSize = ClientConnectionHandler.maxHeaderBytes
        limits.maxHeaderFieldCount = ClientConnectionHandler.maxHeaderFields
        try operations.configureHTTPServerPipeline(
            withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
            withEncoderConfiguration: .init(), withDecoderLimitConfiguration: limits)
        try operations.addHandler(connectionHandler)
        try operations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
    }
}
