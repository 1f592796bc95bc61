import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Keep-alive HTTP/1.1 connections to one plain-HTTP model server, for the invocation hot path.
///
/// A call takes the most recently used idle connection (or connects a new one on the caller's event loop), runs
/// one exchange on it, and puts it back when the server keeps it open. There is no cap on connections in use, only
/// on idle ones (``maxIdle``); a connection idle for longer than the endpoint's `idle_timeout` is closed instead of
/// reused, before the server's own keep-alive timeout can close it under a request. Requests are never retried
/// here: the pipeline retries connection failures on another backend.
package final class BackendConnectionPool: Sendable {
    /// Idle connections kept per backend.
    package static let maxIdle = 512

    fileprivate struct Connection: Sendable {
        package let channel: any Channel
        package let handler: NIOLoopBound<BackendConnectionHandler>
    }

    private struct IdleConnection: Sendable {
        package let connection: Connection
        package let since: NIODeadline
    }

    private struct State: Sendable {
        package var idle: [IdleConnection] = []
        package var isClosed = false
    }

    package let host: String
    package let port: Int
    private let pathPrefix: String
    private let hostHeader: String
    private let group: any EventLoopGroup
    private let state = Mutex(State())
    private static let exchangeIDs = Atomic<UInt64>(0)

    /// A pool for the server at `host`:`port`, whose request paths start with `pathPrefix` (empty or `/base`).
    package init(
        host: String, port: Int, pathPrefix: String = "",
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
        let name = host.contains(":") ? "[\(host)]" : host
        self.hostHeader = port == 80 ? name : "\(name):\(port)"
        self.group = group
    }

    /// Sends `request` to `path` and collects the answer (at most `maxBodyBytes`), on a connection idle for at
    /// most `idleTimeout` or a new one.
    package func send(
        _ request: BackendRequest, path: String, connectTimeout: Duration, idleTimeout: Duration, maxBodyBytes: Int
    ) async throws(BackendCallError) -> BackendResponse {
        let connection: Connection
        if let idle = takeIdle(idleTimeout: .nanoseconds(Int64(clamping: idleTimeout.nanosecondCount))) {
            connection = idle
        } else {
            connection = try await connect(timeout: connectTimeout, maxBodyBytes: maxBodyBytes)
        }
        let head = requestHead(for: request, path: path)
        let eventLoop = connection.channel.eventLoop
        let timeout = TimeAmount.nanoseconds(Int64(clamping: request.timeout.nanosecondCount))
        let id = Self.exchangeIDs.add(1, ordering: .relaxed).newValue
        let body = request.body
        do {
            return try await withTaskCancellationHandler {
                try await withUnsafeThrowingContinuation { caller in
                    if eventLoop.inEventLoop {
                        connection.handler.value.send(
                            id: id, head: head, body: body, timeout: timeout, caller: .continuation(caller))
                    } else {
                        eventLoop.execute {
                            connection.handler.value.send(
                                id: id, head: head, body: body, timeout: timeout, caller: .continuation(caller))
                        }
                    }
                }
            } onCancel: {
                eventLoop.execute { connection.handler.value.cancel(id: id) }
            }
        } catch {
            throw Self.callError(error)
        }
    }

    /// An exchange's failure as a ``BackendCallError`` (which the handler's failures already are).
    private static func callError(_ error: any Error) -> BackendCallError {
        error as? BackendCallError ?? BackendCallError(kind: .failed, detail: "\(error)")
    }

    /// A kept-alive connection on the caller's event loop, taken for one ``send(_:path:on:completion:)``.
    package struct Lease {
        fileprivate let connection: Connection
    }

    /// Takes the most recently used idle connection that belongs to `eventLoop` (see ``takeIdle(idleTimeout:)`` for
    /// which are usable); nil when there is none.
    package func leaseIdle(idleTimeout: Duration, on eventLoop: any EventLoop) -> Lease? {
        let limit = TimeAmount.nanoseconds(Int64(clamping: idleTimeout.nanosecondCount))
        return takeIdle(idleTimeout: limit, where: { $0.channel.eventLoop === eventLoop }).map(Lease.init)
    }

    /// Puts back a lease that was not used.
    package func putBack(_ lease: Lease) {
        release(lease.connection)
    }

    /// Sends `request` to `path` on a leased connection, from its event loop; `completion` runs there with the
    /// answer (at most the connection's response limit) or a ``BackendCallError``.
    package func send(
        _ request: BackendRequest, path: String, on lease: Lease,
        completion: @escaping (Result<BackendResponse, BackendCallError>) -> Void
    ) {
        let id = Self.exchangeIDs.add(1, ordering: .relaxed).newValue
        lease.connection.handler.value.send(
            id: id, head: requestHead(for: request, path: path), body: request.body,
            timeout: .nanoseconds(Int64(clamping: request.timeout.nanosecondCount)),
            caller: .callback { completion($0.mapError(Self.callError)) })
    }

    /// The request head for `request` to `path`: the pool's `Host`, the body's `Content-Length`, then the request's
    /// own headers.
    private func requestHead(for request: BackendRequest, path: String) -> HTTPRequestHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(request.headers.count + 2)
        headers.add(name: "Host", value: hostHeader)
        headers.add(name: "Content-Length", value: String(request.body?.readableBytes ?? 0))
        for (name, value) in request.headers where !Self.setByThePool(name) {
            headers.add(name: name, value: value)
        }
        let uri = pathPrefix.isEmpty ? path : pathPrefix + path
        return HTTPRequestHead(version: .http1_1, method: request.method, uri: uri, headers: headers)
    }

    /// Whether the pool sets header `name` itself (`Host`, `Content-Length`), so a request's own is dropped.
    private static func setByThePool(_ name: String) -> Bool {
        name.utf8.count == 4 && name.lowercased() == "host"
            || name.utf8.count == 14 && name.lowercased() == "content-length"
    }

    /// Closes every idle connection; connections in use close when their exchange ends.
    package func close() {
        let idle = state.withLock { state in
            state.isClosed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        for entry in idle { entry.connection.channel.close(promise: nil) }
    }

    /// The most recently used idle connection that is still open, was idle for at most `idleTimeout` and is
    /// `acceptable`. Closed and expired connections met on the way are dropped.
    private func takeIdle(
        idleTimeout: TimeAmount, where acceptable: (Connection) -> Bool = { _ in true }
    ) -> Connection? {
        let now = NIODeadline.now()
        var expired: [any Channel] = []
        let connection = state.withLock { state -> Connection? in
            var index = state.idle.endIndex
            while index > state.idle.startIndex {
                index -= 1
                let entry = state.idle[index]
                guard entry.connection.channel.isActive else {
                    state.idle.remove(at: index)
                    continue
                }
                guard now - entry.since < idleTimeout else {
                    expired.append(entry.connection.channel)
                    state.idle.remove(at: index)
                    continue
                }
                guard acceptable(entry.connection) else { continue }
                state.idle.remove(at: index)
                return entry.connection
            }
            return nil
        }
        for channel in expired { channel.close(promise: nil) }
        return connection
    }

    /// Puts a connection whose exchange ended back among the idle ones.
    private func release(_ connection: Connection) {
        let kept = state.withLock { state -> Bool in
            guard !state.isClosed, state.idle.count < Self.maxIdle else { return false }
            state.idle.append(IdleConnection(connection: connection, since: .now()))
            return true
        }
        if !kept { connection.channel.close(promise: nil) }
    }

    private func connect(timeout: Duration, maxBodyBytes: Int) async throws(BackendCallError) -> Connection {
        let eventLoop = MultiThreadedEventLoopGroup.currentEventLoop ?? group.next()
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(Int64(clamping: timeout.nanosecondCount)))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    // No outbound header validation on each request: every header value sent to a backend comes
                    // from HTTPFields (legal by construction), the configuration, or a template's output content
                    // type, which is checked when it is configured or stored (MediaType.isOutputContentType).
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
                    let handler = BackendConnectionHandler(maxBodyBytes: maxBodyBytes) { handler, channel in
                        self.release(
                            Connection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop)))
                    }
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            let handler = try await channel.eventLoop.submit {
                NIOLoopBound(
                    try channel.pipeline.syncOperations.handler(type: BackendConnectionHandler.self),
                    eventLoop: channel.eventLoop)
            }.get()
            return Connection(channel: channel, handler: handler)
        } catch {
            throw BackendCallError(classifying: error)
        }
    }
}
