import NIOCore
import NIOHTTP1

/// The state of one keep-alive connection to a model server, as a plain value: one request/response exchange at a
/// time, the answer collected up to a size limit. The channel handler feeds it events and carries out what it says;
/// it is unit-tested without sockets.
package struct BackendExchange: Sendable {
    /// Where the connection is.
    package enum State: Sendable, Equatable {
        /// Waiting in the pool; nothing is expected from the server.
        case idle
        /// The request was written; waiting for the answer's head.
        case awaitingHead
        /// The head arrived; collecting the body.
        case receivingBody(status: Int, headers: HTTPHeaders)
        /// The connection must not be used again.
        case closed
    }

    /// What the handler should do after an event.
    package enum Action: Sendable, Equatable {
        /// Nothing yet.
        case none
        /// Complete the exchange with this answer; `reusable` says whether the connection may go back to the pool.
        case succeed(BackendResponse, reusable: Bool)
        /// Fail the exchange and close the connection.
        case fail(BackendCallError)
        /// Close the connection (an answer nobody asked for, or a break while idle).
        case close
    }

    private(set) var state = State.idle
    private var body: ByteBuffer?
    private var keepAlive = true
    package let maxBodyBytes: Int

    package init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// A request is being written.
    package mutating func requestSent() {
        precondition(state == .idle, "a backend connection carries one exchange at a time")
        state = .awaitingHead
        body = nil
    }

    /// The answer's head arrived.
    package mutating func receivedHead(_ head: HTTPResponseHead) -> Action {
        guard state == .awaitingHead else { return close() }
        if head.status == .continue { return .none }
        keepAlive = head.isKeepAlive
        state = .receivingBody(status: Int(head.status.code), headers: head.headers)
        return .none
    }

    /// A piece of the answer's body arrived.
    package mutating func receivedBody(_ part: ByteBuffer) -> Action {
        guard case .receivingBody = state else { return close() }
        let size = (body?.readableBytes ?? 0) + part.readableBytes
        guard size <= maxBodyBytes else {
            state = .closed
            return .fail(
                BackendCallError(kind: .responseTooLarge, detail: "response larger than \(maxBodyBytes) bytes"))
        }
        if body == nil {
            body = part
        } else {
            var part = part
            body!.writeBuffer(&part)
        }
        return .none
    }

    /// The answer ended.
    package mutating func receivedEnd() -> Action {
        guard case .receivingBody(let status, let headers) = state else { return close() }
        let response = BackendResponse(status: status, headers: headers, body: body ?? ByteBuffer())
        body = nil
        state = keepAlive ? .idle : .closed
        return .succeed(response, reusable: keepAlive)
    }

    /// The exchange ran out of time.
    package mutating func timedOut() -> Action {
        failInFlight(BackendCallError(kind: .timedOut, detail: "timed out"))
    }

    /// The caller gave up (its task was cancelled, e.g. when the drain timeout passed).
    package mutating func cancelled() -> Action {
        failInFlight(BackendCallError(kind: .failed, detail: "the call was cancelled"))
    }

    /// Fails the exchange in flight with `error` and closes the connection; nothing happens between exchanges.
    private mutating func failInFlight(_ error: BackendCallError) -> Action {
        switch state {
        case .awaitingHead, .receivingBody:
            state = .closed
            return .fail(error)
        case .idle, .closed:
            return .none
        }
    }

    /// The connection closed or failed with `error` (nil: closed by the server).
    package mutating func connectionEnded(_ error: (any Error)?) -> Action {
        let previous = state
        state = .closed
        switch previous {
        case .awaitingHead, .receivingBody:
            let detail = error.map { "\($0)" } ?? "the model server closed the connection before answering"
            return .fail(BackendCallError(kind: .failed, detail: detail))
        case .idle:
            return .close
        case .closed:
            return .none
        }
    }

    private mutating func close() -> Action {
        let wasBusy = state != .idle && state != .closed
        state = .closed
        return wasBusy
            ? .fail(
                BackendCallError(kind: .failed, detail: "the model server sent an answer that does not fit HTTP/1.1"))
            : .close
    }
}
