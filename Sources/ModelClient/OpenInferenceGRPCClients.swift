import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import OpenInference
import Synchronization

/// gRPC clients of model servers that speak the Open Inference Protocol over gRPC (`protocol = "oip-grpc"`): one
/// `GRPCClient` per backend, made on its first call and kept, whose HTTP/2 connection carries every call to it
/// (multiplexed; grpc-swift reconnects with backoff). Plaintext HTTP/2 (h2c) to `http://host:port` backends.
///
/// A call's outcome separates what the transport did from what the model server answered: no connection
/// (`UNAVAILABLE`) is a ``BackendCallError/Kind/connectFailed`` the gateway retries on another backend, a deadline a
/// ``BackendCallError/Kind/timedOut``; any other status is the model server's answer (``OpenInferenceGRPCAnswer``).
package final class OpenInferenceGRPCClients: Sendable {
    package typealias Client = Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>

    private struct Entry {
        let client: GRPCClient<HTTP2ClientTransport.Posix>
        let connections: Task<Void, Never>
    }

    private let entries = Mutex<[String: Entry]>([:])

    package init() {}

    /// Calls `rpc` on `backend` with `timeout` as its deadline; the model server's answer, or the transport's failure.
    package func call<Response: Sendable>(
        _ backend: Backend, timeout: Duration,
        _ rpc: @Sendable (Client, CallOptions) async throws -> Response
    ) async throws(BackendCallError) -> OpenInferenceGRPCAnswer<Response> {
        let client: GRPCClient<HTTP2ClientTransport.Posix>
        do {
            client = try self.client(for: backend)
        } catch {
            throw BackendCallError(kind: .connectFailed, detail: "\(error)")
        }
        var options = CallOptions.defaults
        options.timeout = timeout
        options.waitForReady = false
        options.maxResponseMessageBytes = BackendClient.maxResponseBytes
        do {
            return .response(try await rpc(Client(wrapping: client), options))
        } catch let error as RPCError {
            switch error.code {
            case .unavailable: throw BackendCallError(kind: .connectFailed, detail: error.message)
            case .deadlineExceeded: throw BackendCallError(kind: .timedOut, detail: "timed out")
            default: return .status(error)
            }
        } catch {
            throw BackendCallError(kind: .failed, detail: "\(error)")
        }
    }

    private func client(for backend: Backend) throws -> GRPCClient<HTTP2ClientTransport.Posix> {
        try entries.withLock { entries in
            if let entry = entries[backend.baseURL] { return entry.client }
            guard let host = backend.url.host, !host.isEmpty else {
                throw BackendCallError(kind: .connectFailed, detail: "\(backend.baseURL) has no host")
            }
            let transport = try HTTP2ClientTransport.Posix(
                target: .dns(host: host, port: backend.url.port ?? 80), transportSecurity: .plaintext)
            let client = GRPCClient(transport: transport)
            let connections = Task { _ = try? await client.runConnections() }
            entries[backend.baseURL] = Entry(client: client, connections: connections)
            return client
        }
    }

    /// Closes every client's connections once their calls are done.
    package func shutdown() async {
        let all = entries.withLock { entries in
            defer { entries.removeAll() }
            return Array(entries.values)
        }
        for entry in all { entry.client.beginGracefulShutdown() }
        for entry in all { await entry.connections.value }
    }
}

/// What a model server answered a gRPC call: its message, or a status other than OK.
package enum OpenInferenceGRPCAnswer<Response: Sendable>: Sendable {
    case response(Response)
    case status(RPCError)
}
