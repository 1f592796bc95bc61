import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Calls model servers over keep-alive connection pools.
///
/// Collected calls to plain-HTTP servers (invocations, health checks, model loads) use each backend's own
/// ``BackendConnectionPool``, a thin HTTP/1.1 client on the event loops; streamed answers and HTTPS servers use
/// AsyncHTTPClient. One `HTTPClient` is kept per connect and idle timeout (endpoints rarely differ), shared by all
/// endpoints and reloads, and shut down once when the gateway stops. AsyncHTTPClient's own connection retries are turned off: the gateway
/// retries connection failures itself, on another backend, within a ``RetryBudget``.
public final class BackendClient: Sendable {
    /// Connections kept per backend host; AsyncHTTPClient's default of 8 is too small for an inference proxy.
    public static let connectionsPerHost = 512
    /// Largest model answer accepted.
    public static let maxResponseBytes = 32 * 1024 * 1024

    private let eventLoopGroup: any EventLoopGroup
    private let clients = Mutex<[PoolSettings: HTTPClient]>([:])
    /// The gRPC clients of `oip-grpc` backends.
    package let openInferenceGRPC = OpenInferenceGRPCClients()

    /// What distinguishes one AsyncHTTPClient pool from another.
    private struct PoolSettings: Hashable {
        package var connectTimeout: Duration
        package var idleTimeout: Duration
    }

    /// Creates a client on `eventLoopGroup`.
    public init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.eventLoopGroup = eventLoopGroup
    }

    /// The HTTP client for the connect and idle timeouts of `settings`.
    private func httpClient(_ settings: BackendSettings) -> HTTPClient {
        let key = PoolSettings(connectTimeout: settings.connectTimeout, idleTimeout: settings.idleTimeout)
        return clients.withLock { clients in
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration()
            configuration.timeout = .init(connect: .nanoseconds(Int64(clamping: key.connectTimeout.nanosecondCount)))
            configuration.httpVersion = .http1Only
            configuration.decompression = .disabled
            configuration.redirectConfiguration = .disallow
            var pool = HTTPClient.Configuration.ConnectionPool(
                idleTimeout: .nanoseconds(Int64(clamping: key.idleTimeout.nanosecondCount)),
                concurrentHTTP1ConnectionsPerHostSoftLimit: Self.connectionsPerHost)
            pool.retryConnectionEstablishment = false
            configuration.connectionPool = pool
            let client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: configuration)
            clients[key] = client
            return client
        }
    }

    /// Sends `request` to `path` of `backend` and returns as soon as the answer's head arrives; the body is read
    /// as it streams in. The request's timeout bounds the whole answer, body included.
    package func open(
        _ request: BackendRequest, to backend: Backend, path: String, settings: BackendSettings, logger: Logger
    ) async throws(BackendCallError) -> HTTPClientResponse {
        var httpRequest = HTTPClientRequest(url: backend.baseURL + path)
        httpRequest.method = request.method
        httpRequest.headers = request.headers
        if let body = request.body { httpRequest.body = .bytes(body) }
        let client = httpClient(settings)
        do {
            return try await client.execute(
                httpRequest, timeout: .nanoseconds(request.timeout.nanosecondCount),
                logger: logger.logLevel <= .debug ? logger : nil)
        } catch {
            throw BackendCallError(classifying: error)
        }
    }

    /// Sends `request` to `path` of `backend` and collects the answer.
    package func send(
        _ request: BackendRequest, to backend: Backend, path: String, settings: BackendSettings, logger: Logger
    ) async throws(BackendCallError) -> BackendResponse {
        if let connections = backend.connections {
            return try await connections.send(
                request, path: path, connectTimeout: settings.connectTimeout, idleTimeout: settings.idleTimeout,
                maxBodyBytes: Self.maxResponseBytes)
        }
        let response = try await open(request, to: backend, path: path, settings: settings, logger: logger)
        do {
            let body = try await response.body.collect(upTo: Self.maxResponseBytes)
            return BackendResponse(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            throw BackendCallError(classifying: error)
        }
    }

    /// Shuts down every HTTP and gRPC client.
    public func shutdown() async throws {
        let all = clients.withLock { clients in
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        for client in all { try await client.shutdown() }
        await openInferenceGRPC.shutdown()
    }
}

/// A call to a model server.
package struct BackendRequest: Sendable {
    package var method: HTTPMethod = .POST
    package var headers: HTTPHeaders = [:]
    package var body: ByteBuffer?
    package var timeout: Duration

    package init(
        method: HTTPMethod = .POST, headers: HTTPHeaders = [:], body: ByteBuffer? = nil, timeout: Duration
    ) {
        self.method = method
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

/// A model server's answer.
package struct BackendResponse: Sendable, Equatable {
    package var status: Int
    package var headers: HTTPHeaders
    package var body: ByteBuffer

    package init(status: Int, headers: HTTPHeaders, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    package var isSuccess: Bool { (200..<300).contains(status) }
}

/// Why a backend call failed, classified for retries and error answers.
package struct BackendCallError: Error, Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// No connection could be made; the request was not sent, so another backend may be tried.
        case connectFailed
        /// The answer did not arrive in time.
        case timedOut
        /// The answer was larger than the gateway accepts.
        case responseTooLarge
        /// The connection broke after the request was sent.
        case failed
    }

    package var kind: Kind
    package var detail: String

    package init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    package init(classifying error: any Error) {
        switch error {
        case let error as HTTPClientError where error == .connectTimeout:
            self.init(kind: .connectFailed, detail: "connect timeout")
        case let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout:
            self.init(kind: .timedOut, detail: "timed out")
        case is NIOTooManyBytesError:
            self.init(kind: .responseTooLarge, detail: "response larger than \(BackendClient.maxResponseBytes) bytes")
        case let error as NIOConnectionError:
            let first = error.connectionErrors.first.map { Self.describe($0.error) }
            self.init(kind: .connectFailed, detail: first ?? "\(error)")
        case let error as IOError where [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode):
            self.init(kind: .connectFailed, detail: Self.describe(error))
        case ChannelError.connectTimeout:
            self.init(kind: .connectFailed, detail: "connect timeout")
        default:
            self.init(kind: .failed, detail: Self.describe(error))
        }
    }

    /// A system error as the system words it ("Connection refused"), other errors as they describe themselves.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? IOError else { return "\(error)" }
        return String(cString: strerror(error.errnoCode))
    }
}
