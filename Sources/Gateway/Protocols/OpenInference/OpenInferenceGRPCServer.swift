import GRPCCore
import GRPCNIOTransportHTTP2
import InvocationCore
import Logging
import ServiceLifecycle

/// The gRPC listener (`[server] grpc_listen`): plaintext HTTP/2 on the process's event loops, serving
/// ``OpenInferenceGRPCService``. A service of the gateway's group, it stops taking calls on graceful shutdown and
/// returns once the calls in flight are answered.
struct OpenInferenceGRPCServer: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let transport: HTTP2ServerTransport.Posix
    let logger: Logger

    init(address: ListenAddress, service: OpenInferenceGRPCService, maxMessageBytes: Int, logger: Logger) {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        // A message as large as the largest REST body, plus room for protobuf's framing of it.
        config.rpc.maxRequestPayloadSize = maxMessageBytes + 64 * 1024
        transport = HTTP2ServerTransport.Posix(
            address: address.host.contains(":")
                ? .ipv6(host: address.host, port: address.port) : .ipv4(host: address.host, port: address.port),
            transportSecurity: .plaintext, config: config)
        server = GRPCServer(transport: transport, services: [service])
        self.logger = logger
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                let address = try await transport.listeningAddress
                let port = address.ipv4?.port ?? address.ipv6?.port ?? 0
                logger.info(
                    "gRPC listening", metadata: ["grpc": "\(address.ipv4?.host ?? address.ipv6?.host ?? ""):\(port)"])
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
