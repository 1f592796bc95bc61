import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import ModelClient

/// What the callers of a connection's exchanges were handed, in order.
final class CallerRecord {
    private(set) var results: [Result<BackendResponse, any Error>] = []

    /// A caller whose answer or failure is recorded here.
    var caller: BackendCaller { .callback { self.results.append($0) } }

    /// The answer of the only exchange, if it succeeded.
    var response: BackendResponse? {
        guard results.count == 1, case .success(let response) = results[0] else { return nil }
        return response
    }

    /// The failure of the only exchange, if it failed with a ``BackendCallError``.
    var error: BackendCallError? {
        guard results.count == 1, case .failure(let error) = results[0] else { return nil }
        return error as? BackendCallError
    }
}

/// One keep-alive backend connection on an `EmbeddedChannel`: a ``BackendConnectionHandler``, alone or behind NIO's
/// HTTP/1.1 client codec as ``BackendConnectionPool`` sets it up, with the channel connected (active) and every
/// return to the pool counted.
final class EmbeddedBackendConnection {
    let channel: EmbeddedChannel
    let handler: BackendConnectionHandler
    private let returns = Counter()
    private var nextID: UInt64 = 0

    /// How many times the handler said the connection may be used again.
    var idleCount: Int { returns.value }

    /// A connection whose answers may be at most `maxBodyBytes`; with `codecs` it reads and writes bytes.
    init(maxBodyBytes: Int = 1024, codecs: Bool = false) throws {
        channel = EmbeddedChannel()
        let returns = self.returns
        handler = BackendConnectionHandler(maxBodyBytes: maxBodyBytes) { _, _ in returns.value += 1 }
        if codecs {
            try channel.pipeline.syncOperations.addHTTPClientHandlers(enableOutboundHeaderValidation: false)
        }
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
    }

    /// A request head as the pool makes it.
    static func head(uri: String = "/invocations", bodyLength: Int) -> HTTPRequestHead {
        HTTPRequestHead(
            version: .http1_1, method: .POST, uri: uri,
            headers: ["Host": "model:8080", "Content-Length": String(bodyLength), "Content-Type": "text/csv"])
    }

    /// Sends a request with `body` as a new exchange; returns its id and the record of its caller.
    @discardableResult
    func send(_ body: String = "1,2,3", timeout: TimeAmount = .seconds(30)) -> (id: UInt64, record: CallerRecord) {
        nextID += 1
        let record = CallerRecord()
        let buffer = body.isEmpty ? nil : ByteBuffer(string: body)
        handler.send(
            id: nextID, head: Self.head(bodyLength: body.utf8.count), body: buffer, timeout: timeout,
            caller: record.caller)
        return (nextID, record)
    }

    /// Drops the request parts written so far (for tests about the answer).
    func discardOutbound() throws {
        while try channel.readOutbound(as: HTTPClientRequestPart.self) != nil {}
    }

    /// Every byte written so far, with the codecs.
    func outboundBytes() throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    /// Feeds a whole answer as parts: a head with `headers`, `body` in the given pieces, the end.
    func answer(
        _ status: HTTPResponseStatus = .ok, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:],
        body: [String] = []
    ) throws {
        try channel.writeInbound(
            HTTPClientResponsePart.head(HTTPResponseHead(version: version, status: status, headers: headers)))
        for piece in body { try channel.writeInbound(HTTPClientResponsePart.body(ByteBuffer(string: piece))) }
        try channel.writeInbound(HTTPClientResponsePart.end(nil))
    }

    /// Closes the channel if it is still open and checks that nothing is left over in it.
    func finish() throws -> Bool {
        try channel.finish(acceptAlreadyClosed: true).isClean
    }
}

/// A count kept by a closure.
final class Counter {
    var value = 0
}
