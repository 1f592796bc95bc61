import InvocationCore
import NIOCore
import NIOHTTP1

extension ClientConnectionHandler {
    /// The rules of one client connection, as a plain value with no channel: which side reads each request (the
    /// invocation core or Hummingbird's router), one answer at a time in the order requests arrived, what each answer
    /// says about the connection (HTTP/1.0 keep-alive, `Connection: close`, drain), malformed requests,
    /// `100 Continue`, when reading from the socket pauses, and the idle and receive timeouts.
    ///
    /// ``ClientConnectionHandler`` feeds it the connection's events and carries out the actions it returns. It holds
    /// no clock: events that start or end a timed phase carry `now`, and the handler keeps the one timer the
    /// connection needs (``timerToArm()``, ``timerFired(now:)``), so a busy keep-alive connection schedules nothing
    /// per request.
    struct StateMachine {
        /// Timeouts of the connection; `nil` turns one off.
        struct Timeouts {
            /// Time allowed between requests (`client_idle_timeout`), counted from the connection's start or the end
            /// of the last answer, and between two reads of a request being received. It also bounds a request's
            /// head, which is parsed only once whole.
            var idle: TimeAmount?
            /// Time allowed from a request's head to its last body byte (`request_receive_timeout`).
            var receive: TimeAmount?

            /// The shorter of the two: the timer is never scheduled further ahead than this, so a phase that starts
            /// while it runs is never checked late.
            var shortest: TimeAmount? {
                switch (idle, receive) {
                case (let idle?, let receive?): min(idle, receive)
                case (let idle?, nil): idle
                case (nil, let receive?): receive
                case (nil, nil): nil
                }
            }
        }

        /// A request head as read, with what the handler found about it when it arrived.
        struct Head {
            var head: HTTPRequestHead
            /// Set when the invocation core serves the request.
            var route: InvocationRoute?
            /// The listener's body limit in force, when it has one: a request declaring more gets no `100 Continue`.
            var maxBodyBytes: Int?
        }

        /// Something read from the connection.
        enum Inbound {
            case head(Head)
            case body(ByteBuffer)
            case end(HTTPHeaders?)
            /// The bytes are not valid HTTP/1.1; nothing more is parsed.
            case parseError(HTTPParserError)
        }

        /// What to do with an inbound event.
        enum ReadAction {
            /// Nothing now: the event was kept (an invocation's head or body, or an event held back).
            case nothing
            /// Pass the part on to the router; `sendContinue` says to answer `100 Continue` first.
            case forward(HTTPServerRequestPart, sendContinue: Bool)
            /// Tell the router that the request it reads is broken.
            case forwardError(HTTPParserError)
            /// Answer `100 Continue` to the invocation whose head was just kept.
            case sendContinue
            /// Serve the invocation whose request has been read.
            case serve(InvocationRoute, InvocationRequestBody)
            /// Answer 400 naming the problem, then close.
            case rejectMalformed(HTTPParserError)
            /// Answer the request just taken with this error; its body, if any, is read and dropped.
            case reject(GatewayError)
            /// Close the connection now.
            case close
        }

        /// What to do once an answer has ended.
        enum AnswerEndAction: Equatable {
            /// Close the connection once the answer is written.
            case close
            /// The answer was the connection's last but its request is still arriving: once the answer is written,
            /// close the output and keep reading, dropping what comes, until the request ends or the lingering
            /// bounds are reached, so that a client still sending sees the answer (as nginx's lingering close).
            case linger
            /// Go on: release held events (``releaseNext()``) and any put-off read (``takePutOffRead()``).
            case goOn
        }

        /// What to do when the connection's timer fires.
        enum TimerAction: Equatable {
            case none
            /// Idle too long: close.
            case close
            /// A request did not arrive in time and has no answer yet: answer 408, then close.
            case rejectTimedOut
            /// Not due yet: schedule the timer again for `deadline`.
            case rearm(NIODeadline)
        }

        /// Where the parts of the request being read go.
        private enum Reading {
            /// No request is being read.
            case none
            /// Hummingbird's router reads the request.
            case router
            /// The invocation core will serve the request: its route and the body read so far, bounded by one byte over
            /// the limit so that an oversized body is still told apart.
            case invocation(InvocationRoute, ByteBuffer)
            /// The request was refused from its head: its body is dropped.
            case discarding
        }

        /// The connection after its last answer while the request is still arriving.
        private struct Lingering {
            var started: NIODeadline
            var dropped = 0
        }

        /// How long a connection lingers after its last answer at most.
        static let lingerTime = TimeAmount.seconds(5)
        /// How many bytes a lingering connection drops at most before it closes.
        static let lingerBytes = 16 * 1024 * 1024

        /// The request taken (read or being read) whose answer has not ended.
        private struct Exchange {
            var version: HTTPVersion
            /// Whether the client asked to keep the connection (HTTP/1.1 unless `Connection: close`; HTTP/1.0 only
            /// with `Connection: keep-alive`).
            var keepAlive: Bool
            /// Whether the connection's byte stream cannot be trusted after this request (a parse error in its body).
            var mustClose = false
            /// Whether its answer's head has been written.
            var answerStarted = false
        }

        private let timeouts: Timeouts
        private var reading = Reading.none
        private var exchange: Exchange?
        /// Events read while the answer before them was pending, in order.
        private var held = CircularBuffer<Inbound>()
        /// Whether the answer being written is the connection's last.
        private var closesAfterAnswer = false
        /// Whether the gateway is shutting down: every answer from now on is the connection's last.
        private var isDraining = false
        /// Whether the connection is closing: nothing more is read or answered.
        private(set) var isClosing = false
        /// Whether the channel takes more writes without buffering past its high-water mark.
        private var isWritable = true
        /// Whether a read from the socket was put off.
        private var readPutOff = false
        /// When the current timed phase (idle, or receiving a request) began.
        private var phaseStarted = NIODeadline.uptimeNanoseconds(0)
        /// When the last part of the request being received arrived.
        private var lastRead = NIODeadline.uptimeNanoseconds(0)
        /// When the handler's timer is scheduled for, if it is.
        private var armedDeadline: NIODeadline?
        /// Set once the last answer was written while its request was still arriving.
        private var lingering: Lingering?

        init(timeouts: Timeouts) {
            self.timeouts = timeouts
        }

        /// The connection is open: its first idle phase begins.
        mutating func connectionStarted(now: NIODeadline) {
            phaseStarted = now
        }

        /// Whether events are held back.
        var isHolding: Bool { !held.isEmpty }

        // MARK: Reading

        /// An event read from the connection.
        mutating func read(_ inbound: Inbound, now: NIODeadline) -> ReadAction {
            if lingering != nil { return linger(inbound) }
            guard !isClosing else { return .nothing }
            lastRead = now
            guard held.isEmpty, let action = take(inbound, now: now) else {
                held.append(inbound)
                return .nothing
            }
            return action
        }

        /// The next held event that can be acted on now, and what to do with it; nil when there is none.
        mutating func releaseNext(now: NIODeadline) -> ReadAction? {
            guard !isClosing, let first = held.first, let action = take(first, now: now) else { return nil }
            held.removeFirst()
            return action
        }

        /// Drops what arrives after the last answer, until the request ends or too much arrived.
        private mutating func linger(_ inbound: Inbound) -> ReadAction {
            if case .body(let part) = inbound, var lingering {
                lingering.dropped += part.readableBytes
                self.lingering = lingering
                if lingering.dropped <= Self.lingerBytes { return .nothing }
            }
            lingering = nil
            isClosing = true
            return .close
        }

        /// Acts on `inbound` if it can be acted on now; nil when it must wait for the answer before it.
        private mutating func take(_ inbound: Inbound, now: NIODeadline) -> ReadAction? {
            switch inbound {
            case .head(let head):
                guard exchange == nil else { return nil }
                return takeHead(head, now: now)
            case .body(let part):
                if case .discarding = reading { return .nothing }
                guard case .invocation(let route, var body) = reading else {
                    return .forward(.body(part), sendContinue: false)
                }
                reading = .none
                let room = route.maxBodyBytes + 1 - body.readableBytes
                if room > 0 {
                    var part = part
                    body.writeImmutableBuffer(part.readSlice(length: min(room, part.readableBytes))!)
                }
                reading = .invocation(route, body)
                return .nothing
            case .end(let trailers):
                defer { reading = .none }
                if case .discarding = reading { return .nothing }
                guard case .invocation(let route, let body) = reading else {
                    return .forward(.end(trailers), sendContinue: false)
                }
                return .serve(route, .complete(body))
            case .parseError(let error):
                switch reading {
                case .router:
                    // Nothing more of this request can be parsed: its answer closes the connection at once.
                    reading = .none
                    exchange?.mustClose = true
                    return .forwardError(error)
                case .invocation(let route, _):
                    reading = .none
                    exchange?.mustClose = true
                    return .serve(route, .failed(error))
                case .discarding:
                    reading = .none
                    isClosing = true
                    return .close
                case .none:
                    guard exchange == nil else { return nil }
                    isClosing = true
                    return .rejectMalformed(error)
                }
            }
        }

        private mutating func takeHead(_ taken: Head, now: NIODeadline) -> ReadAction {
            var head = taken.head
            let keepAlive = head.isKeepAlive
            var sendContinue = false
            if head.version.major == 1, head.version.minor == 0 {
                // An HTTP/1.0 client cannot be sent `100 Continue`, and the router must know it closes after.
                head.headers.remove(name: "expect")
                if !keepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
            } else if let expect = head.headers.first(name: "expect"), expect.lowercased() == "100-continue" {
                // A declared body over the limit is refused from its head; the client need not send it.
                let declared = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
                sendContinue = declared <= (taken.maxBodyBytes ?? .max)
            }
            exchange = Exchange(version: head.version, keepAlive: keepAlive)
            phaseStarted = now
            if let refusal = Self.refusal(of: head) {
                // The body's framing may not be understood, so the connection closes after the answer.
                exchange?.mustClose = true
                reading = .discarding
                return .reject(refusal)
            }
            guard let route = taken.route else {
                reading = .router
                return .forward(.head(head), sendContinue: sendContinue)
            }
            reading = .invocation(route, ByteBuffer())
            return sendContinue ? .sendContinue : .nothing
        }

        /// Why a request is refused from its head, before anything reads it: an HTTP/1.1 request without `Host`,
        /// or a body in a transfer coding the gateway does not decode (only `chunked` is).
        static func refusal(of head: HTTPRequestHead) -> GatewayError? {
            if head.version.major == 1, head.version.minor >= 1, !head.headers.contains(name: "host") {
                return .validation("The request has no Host header, which HTTP/1.1 requires (RFC 9112, section 3.2).")
            }
            let codings = head.headers[canonicalForm: "transfer-encoding"].map { $0.lowercased() }
            if let coding = codings.first(where: { $0 != "chunked" }) {
                return GatewayError(
                    code: .notImplemented, status: .notImplemented,
                    message:
                        "Transfer-Encoding \(coding) is not supported: the gateway decodes only chunked "
                        + "(RFC 9112, section 6.1).")
            }
            return nil
        }

        // MARK: Answering

        /// The head of the answer being written; final (not 1xx) answers are adjusted to what the connection does
        /// next: HTTP/1.0 answers to HTTP/1.0 requests with their `Connection` header, `Connection: close` on the
        /// connection's last answer.
        mutating func answerHead(_ head: inout HTTPResponseHead) {
            guard head.status.code >= 200, var exchange else { return }
            exchange.answerStarted = true
            self.exchange = exchange
            var closes =
                isDraining || exchange.mustClose || !exchange.keepAlive
                || head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
            if exchange.version.major == 1, exchange.version.minor == 0 {
                // HTTP/1.0 has no chunked bodies: an answer of unknown length ends with the connection.
                head.version = .http1_0
                head.headers.remove(name: "transfer-encoding")
                if !head.headers.contains(name: "content-length") { closes = true }
                head.headers.replaceOrAdd(name: "Connection", value: closes ? "close" : "keep-alive")
            } else if closes {
                head.headers.replaceOrAdd(name: "Connection", value: "close")
            }
            closesAfterAnswer = closes
        }

        /// The answer of the current request has ended.
        mutating func answerEnded(now: NIODeadline) -> AnswerEndAction {
            guard exchange != nil else { return .goOn }
            if closesAfterAnswer {
                exchange = nil
                held.removeAll()
                if case .none = reading {
                    isClosing = true
                    return .close
                }
                reading = .none
                lingering = Lingering(started: now)
                return .linger
            }
            exchange = nil
            if case .none = reading { phaseStarted = now }
            return .goOn
        }

        /// Whether a write from the router must be dropped: the connection is closing after an answer the handler
        /// wrote itself (a timeout or a malformed request).
        var dropsWrites: Bool { isClosing && !closesAfterAnswer }

        // MARK: Reads from the socket

        /// Whether a read from the socket may go ahead now. It is put off while events are held (one request at a
        /// time) and while the channel's outbound buffer is full (a client that does not read its answers).
        mutating func mayRead() -> Bool {
            if lingering != nil { return true }
            guard held.isEmpty, isWritable else {
                readPutOff = true
                return false
            }
            return true
        }

        /// Whether the connection is lingering: the handler then reads on its own, as nobody after it does.
        var isLingering: Bool { lingering != nil }

        /// Whether a read that was put off is due now.
        mutating func takePutOffRead() -> Bool {
            guard readPutOff, lingering != nil || (held.isEmpty && isWritable && !isClosing) else { return false }
            readPutOff = false
            return true
        }

        /// The channel's writability changed.
        mutating func writabilityChanged(isWritable: Bool) {
            self.isWritable = isWritable
        }

        // MARK: Drain

        /// The gateway is shutting down. Returns whether to close now (nothing is being read or answered);
        /// otherwise the current answer is the connection's last.
        mutating func quiesce() -> Bool {
            isDraining = true
            guard exchange == nil, case .none = reading, !isClosing, lingering == nil else { return false }
            isClosing = true
            return true
        }

        // MARK: Timer

        /// The deadline to schedule the connection's timer for (in place of the one scheduled, if any), when a
        /// timed phase is on and the timer is not scheduled early enough; nil leaves the timer as it is.
        ///
        /// Outside lingering it is at most the shorter timeout ahead of the phase's start, so it fires in time for
        /// any phase that begins before it fires, and a busy keep-alive connection schedules nothing per request.
        mutating func timerToArm() -> NIODeadline? {
            guard !isClosing, let deadline = currentDeadline else { return nil }
            let wanted = lingering != nil ? deadline : timeouts.shortest.map { min(deadline, phaseStarted + $0) }
            guard let wanted, armedDeadline.map({ wanted < $0 }) ?? true else { return nil }
            armedDeadline = wanted
            return wanted
        }

        /// The connection's timer fired.
        mutating func timerFired(now: NIODeadline) -> TimerAction {
            armedDeadline = nil
            guard !isClosing, let deadline = currentDeadline else { return .none }
            guard now >= deadline else {
                let wanted = lingering != nil ? deadline : timeouts.shortest.map { min(deadline, now + $0) } ?? deadline
                armedDeadline = wanted
                return .rearm(wanted)
            }
            isClosing = true
            if lingering != nil {
                lingering = nil
                return .close
            }
            if case .none = reading { return .close }
            return exchange?.answerStarted == false ? .rejectTimedOut : .close
        }

        /// When the phase the connection is in times out: idle between requests; receiving a request (too long in
        /// all, or stalled); none while an answer is awaited.
        private var currentDeadline: NIODeadline? {
            if let lingering { return lingering.started + Self.lingerTime }
            if case .none = reading { return exchange == nil ? timeouts.idle.map { phaseStarted + $0 } : nil }
            switch (timeouts.receive.map { phaseStarted + $0 }, timeouts.idle.map { lastRead + $0 }) {
            case (let whole?, let stalled?): return min(whole, stalled)
            case (let whole, let stalled): return whole ?? stalled
            }
        }
    }
}
