import HTTPTypes
import InvocationCore
import NIOCore
import NIOHTTPTypes

/// The ordering rules of a client connection whose invocations ``InvocationChannelHandler`` serves and whose other
/// requests Hummingbird's router serves: one request answered at a time, in the order they arrived, whichever side
/// serves it.
///
/// A plain value, with no channel: the handler feeds it the connection's events and carries out the ``Action``s it
/// returns. A request that arrives while the answer before it is still pending is held back, with everything read
/// after it, until that answer has ended; reading from the socket pauses meanwhile.
struct InvocationConnectionState {
    /// Something read from the connection: a request part, or a parse error in the request being read.
    enum Inbound {
        case part(HTTPRequestPart)
        case failure(any Error)
    }

    /// What to do with an inbound event.
    enum Action {
        /// Nothing now: the event was kept (an invocation's head or body, or an event held back).
        case none
        /// Pass the event on to Hummingbird.
        case forward(Inbound)
        /// Serve the invocation whose request has been read.
        case serve(HTTPRequest, InvocationRoute, InvocationRequestBody)
    }

    /// Where the parts of the request being read go.
    private enum Reading {
        /// No request is being read.
        case none
        /// Hummingbird reads the request.
        case passedOn
        /// The invocation fast path reads the request: its head, route and the body read so far, bounded by one
        /// byte over the limit so that an oversized body is still told apart.
        case invocation(HTTPRequest, InvocationRoute, ByteBuffer)
    }

    private var reading = Reading.none
    /// Requests whose head was taken or passed on and whose answer has not ended yet.
    private(set) var answersPending = 0
    /// Events read while the answer before them was pending, in order.
    private var held = CircularBuffer<Inbound>()
    /// Whether a read from the socket was put off because events are held.
    private var readPutOff = false

    /// Whether events are held back.
    var isHolding: Bool { !held.isEmpty }

    /// An event read from the connection. `route` tells whether a request head is an invocation served by the fast
    /// path.
    mutating func read(_ inbound: Inbound, route: (HTTPRequest) -> InvocationRoute?) -> Action {
        guard held.isEmpty else {
            held.append(inbound)
            return .none
        }
        return take(inbound, route: route)
    }

    /// The answer of the oldest pending request has ended; the held events may be released (``releaseNext(route:)``).
    mutating func answerEnded() {
        answersPending = max(0, answersPending - 1)
    }

    /// The next held event that can be acted on now, and what to do with it; nil when there is none.
    mutating func releaseNext(route: (HTTPRequest) -> InvocationRoute?) -> Action? {
        guard let first = held.first else { return nil }
        if case .part(.head) = first, answersPending > 0 { return nil }
        held.removeFirst()
        return take(first, route: route)
    }

    /// Whether a read from the socket may go ahead now; when events are held it is put off until they are released.
    mutating func mayRead() -> Bool {
        guard held.isEmpty else {
            readPutOff = true
            return false
        }
        return true
    }

    /// Whether a read that was put off is due now that no event is held.
    mutating func takePutOffRead() -> Bool {
        guard held.isEmpty, readPutOff else { return false }
        readPutOff = false
        return true
    }

    private mutating func take(_ inbound: Inbound, route: (HTTPRequest) -> InvocationRoute?) -> Action {
        switch inbound {
        case .part(.head(let head)):
            guard answersPending == 0 else {
                held.append(inbound)
                return .none
            }
            answersPending += 1
            guard let invocation = route(head) else {
                reading = .passedOn
                return .forward(inbound)
            }
            reading = .invocation(head, invocation, ByteBuffer())
            return .none
        case .part(.body(let part)):
            guard case .invocation(let head, let invocation, var body) = reading else { return .forward(inbound) }
            reading = .none
            let room = invocation.maxBodyBytes + 1 - body.readableBytes
            if room > 0 {
                var part = part
                body.writeImmutableBuffer(part.readSlice(length: min(room, part.readableBytes))!)
            }
            reading = .invocation(head, invocation, body)
            return .none
        case .part(.end):
            defer { reading = .none }
            guard case .invocation(let head, let invocation, let body) = reading else { return .forward(inbound) }
            return .serve(head, invocation, .complete(body))
        case .failure(let error):
            guard case .invocation(let head, let invocation, _) = reading else { return .forward(inbound) }
            reading = .none
            return .serve(head, invocation, .failed(error))
        }
    }
}

/// An invocation request the fast path serves: `POST /endpoints/{name}/invocations`.
struct InvocationRoute: Equatable {
    /// The percent-decoded `{name}` segment.
    var endpointName: String
    /// The body limit in force when its head arrived.
    var maxBodyBytes: Int

    /// The route of `head` if it is an invocation the fast path serves: `POST` to exactly
    /// `/endpoints/{name}/invocations` (with or without a query), declaring no body over `maxBodyBytes`. Any other
    /// request, including an oversized one that the router refuses before reading its body, is left to the router.
    init?(_ head: HTTPRequest, maxBodyBytes: Int) {
        guard head.method == .post, let path = head.path?.utf8 else { return nil }
        let prefix = "/endpoints/".utf8
        guard path.starts(with: prefix) else { return nil }
        let nameStart = path.index(path.startIndex, offsetBy: prefix.count)
        guard let nameEnd = path[nameStart...].firstIndex(of: UInt8(ascii: "/")), nameStart < nameEnd else {
            return nil
        }
        let rest = path[nameEnd...]
        let suffix = "/invocations".utf8
        guard rest.starts(with: suffix) else { return nil }
        let afterSuffix = rest.index(rest.startIndex, offsetBy: suffix.count)
        guard afterSuffix == rest.endIndex || rest[afterSuffix] == UInt8(ascii: "?") else { return nil }
        if let length = head.headerFields[.contentLength], let declared = Int(length), declared > maxBodyBytes {
            return nil
        }
        self.endpointName = ClientAPI.endpointName(decoding: String(Substring(path[nameStart..<nameEnd])))
        self.maxBodyBytes = maxBodyBytes
    }
}
