import NIOCore
import NIOHTTP1
import Testing

@testable import Gateway
@testable import InvocationCore

/// ``ClientConnectionHandler/StateMachine`` as a plain value, with no channel and no clock: which side reads each
/// request, one answer at a time in request order, what each answer says about the connection, malformed requests,
/// `100 Continue`, when reads pause, the idle and receive timeouts, and drain.
@Suite("Client connection state machine")
struct ClientConnectionStateMachineTests {
    typealias StateMachine = ClientConnectionHandler.StateMachine

    /// A state machine with a hand-moved clock, and its actions described in a word for comparing sequences.
    private struct Connection {
        var state: StateMachine
        var now = NIODeadline.uptimeNanoseconds(0)
        /// The body limit of the invocations in these tests.
        static let limit = 8

        init(idle: TimeAmount? = .seconds(75), receive: TimeAmount? = .seconds(60)) {
            state = StateMachine(timeouts: .init(idle: idle, receive: receive))
            state.connectionStarted(now: now)
        }

        mutating func read(_ inbound: StateMachine.Inbound) -> String {
            Self.describe(state.read(inbound, now: now))
        }

        mutating func head(
            _ method: HTTPMethod = .POST, _ uri: String, _ headers: HTTPHeaders = [:], version: HTTPVersion = .http1_1
        ) -> String {
            var headers = headers
            if !headers.contains(name: "host") { headers.add(name: "Host", value: "gateway") }
            let head = HTTPRequestHead(version: version, method: method, uri: uri, headers: headers)
            return read(
                .head(
                    .init(head: head, route: InvocationRoute(head, maxBodyBytes: Self.limit), maxBodyBytes: Self.limit))
            )
        }

        mutating func invocation(_ headers: HTTPHeaders = [:], version: HTTPVersion = .http1_1) -> String {
            head(.POST, "/endpoints/demo/invocations", headers, version: version)
        }

        mutating func ping(_ headers: HTTPHeaders = [:], version: HTTPVersion = .http1_1) -> String {
            head(.GET, "/ping", headers, version: version)
        }

        mutating func body(_ text: String) -> String { read(.body(ByteBuffer(string: text))) }
        mutating func end() -> String { read(.end(nil)) }

        /// Writes a final answer's head; returns it as adjusted.
        mutating func answer(_ headers: HTTPHeaders = ["Content-Length": "2"]) -> HTTPResponseHead {
            var head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
            state.answerHead(&head)
            return head
        }

        /// Writes a whole answer and ends it.
        mutating func answered(_ headers: HTTPHeaders = ["Content-Length": "2"]) -> StateMachine.AnswerEndAction {
            _ = answer(headers)
            return state.answerEnded(now: now)
        }

        mutating func release() -> [String] {
            var actions: [String] = []
            while let action = state.releaseNext(now: now) { actions.append(Self.describe(action)) }
            return actions
        }

        static func describe(_ action: StateMachine.ReadAction) -> String {
            switch action {
            case .nothing: "nothing"
            case .forward(let part, let sendContinue):
                (sendContinue ? "continue, " : "")
                    + {
                        switch part {
                        case .head(let head): "forward head \(head.uri)"
                        case .body(let body): "forward body \(String(buffer: body))"
                        case .end: "forward end"
                        }
                    }()
            case .forwardError: "forward error"
            case .sendContinue: "continue"
            case .serve(let route, .complete(let body)): "serve \(route.endpointName) \(String(buffer: body))"
            case .serve(let route, .failed): "serve \(route.endpointName) failed"
            case .rejectMalformed: "reject malformed"
            case .reject(let error): "reject \(error.status.code)"
            case .close: "close"
            }
        }
    }

    // MARK: Which side reads a request

    @Test func servesAnInvocationOnceItsBodyHasBeenRead() {
        var connection = Connection()
        #expect(connection.invocation() == "nothing")
        #expect(connection.body("1,2") == "nothing")
        #expect(connection.body(",3") == "nothing")
        #expect(connection.end() == "serve demo 1,2,3")
        #expect(connection.answered() == .goOn)
        #expect(connection.ping() == "forward head /ping")
    }

    @Test func passesOtherRequestsOn() {
        var connection = Connection()
        #expect(connection.ping() == "forward head /ping")
        #expect(connection.body("x") == "forward body x")
        #expect(connection.end() == "forward end")
        #expect(!connection.state.isHolding)
    }

    @Test func keepsOneByteOverTheLimitOfAnOversizedBody() {
        var connection = Connection()
        _ = connection.invocation()
        _ = connection.body("123456")
        _ = connection.body("7890ab")
        _ = connection.body("cd")
        #expect(connection.end() == "serve demo 123456789")
    }

    @Test func leavesADeclaredOversizedInvocationToTheRouter() {
        var connection = Connection()
        #expect(connection.invocation(["Content-Length": "9"]) == "forward head /endpoints/demo/invocations")
    }

    // MARK: One answer at a time

    @Test func holdsARequestUntilTheAnswerBeforeItHasEnded() {
        var connection = Connection()
        _ = connection.invocation()
        _ = connection.body("1")
        #expect(connection.end() == "serve demo 1")
        #expect(connection.ping() == "nothing")
        #expect(connection.end() == "nothing")
        #expect(connection.invocation() == "nothing")
        #expect(connection.body("2") == "nothing")
        #expect(connection.end() == "nothing")
        #expect(connection.state.isHolding)
        #expect(connection.release() == [])
        #expect(connection.answered() == .goOn)
        #expect(connection.release() == ["forward head /ping", "forward end"])
        #expect(connection.answered() == .goOn)
        #expect(connection.release() == ["nothing", "nothing", "serve demo 2"])
        #expect(!connection.state.isHolding)
    }

    @Test func holdsAnInvocationWhileTheRouterAnswers() {
        var connection = Connection()
        _ = connection.ping()
        _ = connection.end()
        #expect(connection.invocation() == "nothing")
        #expect(connection.body("1") == "nothing")
        #expect(connection.end() == "nothing")
        #expect(connection.answered() == .goOn)
        #expect(connection.release() == ["nothing", "nothing", "serve demo 1"])
    }

    @Test func bodyPartsOfARequestAnsweredEarlyStillGoToTheRouter() {
        var connection = Connection()
        _ = connection.ping()
        #expect(connection.answered() == .goOn)
        #expect(connection.body("rest") == "forward body rest")
        #expect(connection.end() == "forward end")
        #expect(connection.invocation() == "nothing")
    }

    // MARK: Reads from the socket

    @Test func putsOffReadsWhileHolding() {
        var connection = Connection()
        var mayRead = [connection.state.mayRead()]
        _ = connection.invocation()
        _ = connection.end()
        mayRead.append(connection.state.mayRead())
        _ = connection.ping()
        mayRead.append(connection.state.mayRead())
        #expect(mayRead == [true, true, false])
        var due = [connection.state.takePutOffRead()]
        _ = connection.answered()
        _ = connection.release()
        due.append(connection.state.takePutOffRead())
        due.append(connection.state.takePutOffRead())
        #expect(due == [false, true, false])
    }

    /// A client that sends and never reads fills the outbound buffer; reading stops until it drains, so the
    /// connection holds a bounded number of answers (issue 23).
    @Test func putsOffReadsWhileTheChannelIsNotWritable() {
        var connection = Connection()
        connection.state.writabilityChanged(isWritable: false)
        var mayRead = [connection.state.mayRead()]
        var due = [connection.state.takePutOffRead()]
        connection.state.writabilityChanged(isWritable: true)
        due.append(connection.state.takePutOffRead())
        mayRead.append(connection.state.mayRead())
        #expect(mayRead == [false, true])
        #expect(due == [false, true])
    }

    // MARK: What answers say about the connection

    @Test func anHTTP11AnswerKeepsTheConnectionAndSaysNothing() {
        var connection = Connection()
        _ = connection.ping()
        _ = connection.end()
        let head = connection.answer()
        #expect(head.version == .http1_1)
        #expect(!head.headers.contains(name: "connection"))
        #expect(connection.state.answerEnded(now: connection.now) == .goOn)
    }

    @Test func connectionCloseFromTheClientOrTheAnswerClosesAfterIt() {
        var client = Connection()
        _ = client.ping(["Connection": "close"])
        _ = client.end()
        #expect(client.answer().headers["connection"] == ["close"])
        #expect(client.state.answerEnded(now: client.now) == .close)
        #expect(client.state.isClosing)
        var server = Connection()
        _ = server.ping()
        _ = server.end()
        #expect(server.answered(["Content-Length": "0", "Connection": "close"]) == .close)
    }

    @Test func anHTTP10RequestWithoutKeepAliveIsAnsweredInHTTP10AndClosed() {
        var connection = Connection()
        #expect(connection.ping(version: .http1_0) == "forward head /ping")
        _ = connection.end()
        let head = connection.answer()
        #expect(head.version == .http1_0)
        #expect(head.headers["connection"] == ["close"])
        #expect(connection.state.answerEnded(now: connection.now) == .close)
    }

    @Test func anHTTP10RequestWithKeepAliveKeepsTheConnectionUnlessTheLengthIsUnknown() {
        var connection = Connection()
        _ = connection.ping(["Connection": "keep-alive"], version: .http1_0)
        _ = connection.end()
        let head = connection.answer()
        #expect(head.headers["connection"] == ["keep-alive"])
        #expect(connection.state.answerEnded(now: connection.now) == .goOn)
        _ = connection.ping(["Connection": "keep-alive"], version: .http1_0)
        _ = connection.end()
        let chunked = connection.answer(["Transfer-Encoding": "chunked"])
        #expect(!chunked.headers.contains(name: "transfer-encoding"))
        #expect(chunked.headers["connection"] == ["close"])
        #expect(connection.state.answerEnded(now: connection.now) == .close)
    }

    @Test func interimAnswersPassUnchanged() {
        var connection = Connection()
        _ = connection.ping(version: .http1_0)
        var interim = HTTPResponseHead(version: .http1_1, status: .continue)
        connection.state.answerHead(&interim)
        #expect(interim == HTTPResponseHead(version: .http1_1, status: .continue))
    }

    // MARK: 100 Continue

    @Test func anExpectingHTTP11RequestWithinTheLimitGetsContinue() {
        var connection = Connection()
        #expect(connection.invocation(["Expect": "100-continue", "Content-Length": "3"]) == "continue")
        _ = connection.end()
        _ = connection.answered()
        #expect(connection.ping(["Expect": "100-Continue"]) == "continue, forward head /ping")
    }

    @Test func noContinueOverTheLimitOrForHTTP10() {
        var connection = Connection()
        #expect(
            connection.invocation(["Expect": "100-continue", "Content-Length": "9"])
                == "forward head /endpoints/demo/invocations")
        _ = connection.end()
        _ = connection.answered()
        #expect(
            connection.invocation(["Expect": "100-continue", "Connection": "keep-alive"], version: .http1_0)
                == "nothing")
    }

    // MARK: Malformed requests

    @Test func aParseErrorBetweenRequestsIsRejectedAndClosesTheConnection() {
        var connection = Connection()
        #expect(connection.read(.parseError(.invalidHeaderToken)) == "reject malformed")
        #expect(connection.state.isClosing)
        #expect(connection.ping() == "nothing")
        #expect(connection.read(.parseError(.invalidHeaderToken)) == "nothing")
    }

    @Test func aParseErrorBehindAPendingAnswerIsRejectedAfterIt() {
        var connection = Connection()
        _ = connection.ping()
        _ = connection.end()
        #expect(connection.read(.parseError(.invalidHeaderToken)) == "nothing")
        #expect(connection.answered() == .goOn)
        #expect(connection.release() == ["reject malformed"])
    }

    @Test func aParseErrorInAnInvocationsBodyFailsItAndItsAnswerCloses() {
        var connection = Connection()
        _ = connection.invocation()
        #expect(connection.read(.parseError(.invalidChunkSize)) == "serve demo failed")
        #expect(connection.answer().headers["connection"] == ["close"])
        #expect(connection.state.answerEnded(now: connection.now) == .close)
    }

    @Test func aParseErrorInARouterRequestGoesToTheRouterAndItsAnswerCloses() {
        var connection = Connection()
        _ = connection.ping()
        #expect(connection.read(.parseError(.invalidChunkSize)) == "forward error")
        #expect(connection.answered(["Content-Length": "0"]) == .close)
    }

    // MARK: Requests refused from their head

    @Test func anHTTP11RequestWithoutHostIsRefusedAndItsBodyDropped() {
        var connection = Connection()
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/ping", headers: ["Content-Length": "3"])
        #expect(connection.read(.head(.init(head: head, route: nil, maxBodyBytes: nil))) == "reject 400")
        #expect(connection.answer(["Content-Length": "0"]).headers["connection"] == ["close"])
        #expect(connection.state.answerEnded(now: connection.now) == .linger)
        #expect(connection.body("abc") == "nothing")
        #expect(connection.end() == "close")
    }

    @Test(arguments: ["gzip, chunked", "gzip", "chunked, gzip", "deflate"])
    func aTransferCodingOtherThanChunkedIsRefusedWith501(coding: String) {
        var connection = Connection()
        #expect(connection.invocation(["Transfer-Encoding": coding]) == "reject 501")
    }

    @Test func chunkedAndHTTP10WithoutHostAreTaken() {
        var connection = Connection()
        #expect(connection.ping(["Transfer-Encoding": "chunked"]) == "forward head /ping")
        _ = connection.end()
        _ = connection.answered()
        #expect(connection.ping(["Connection": "keep-alive"], version: .http1_0) == "forward head /ping")
    }

    // MARK: Lingering close

    /// The connection's last answer written while its request is still arriving: the output closes and what
    /// arrives is read and dropped until the request ends, so a client still sending sees the answer (issue 23).
    @Test func aLastAnswerBeforeTheBodyEndsLingersUntilItEnds() {
        var connection = Connection()
        _ = connection.ping(["Connection": "close", "Content-Length": "100"])
        #expect(connection.answered() == .linger)
        #expect(connection.state.isLingering)
        let mayRead = connection.state.mayRead()
        #expect(mayRead, "reads go on while lingering, whether or not the channel is writable")
        #expect(connection.body("rest") == "nothing")
        #expect(connection.end() == "close")
        #expect(connection.state.isClosing)
    }

    @Test func lingeringEndsAfterItsByteBound() {
        var connection = Connection()
        _ = connection.ping(["Connection": "close"])
        _ = connection.answered()
        let chunk = String(repeating: "x", count: 1024 * 1024)
        for _ in 0..<16 { #expect(connection.body(chunk) == "nothing") }
        #expect(connection.body("x") == "close")
    }

    @Test func lingeringEndsAfterItsTimeBound() {
        var connection = Connection()
        _ = connection.state.timerToArm()
        _ = connection.ping(["Connection": "close"])
        connection.now = .uptimeNanoseconds(0) + .seconds(1)
        _ = connection.answered()
        // The timer is moved earlier, to the end of lingering.
        #expect(connection.state.timerToArm() == .uptimeNanoseconds(0) + .seconds(6))
        connection.now = .uptimeNanoseconds(0) + .seconds(6)
        #expect(connection.state.timerFired(now: connection.now) == .close)
    }

    @Test func drainLetsALingeringConnectionFinish() {
        var connection = Connection()
        _ = connection.ping(["Connection": "close"])
        _ = connection.answered()
        let closesNow = connection.state.quiesce()
        #expect(!closesNow)
        #expect(connection.end() == "close")
    }

    // MARK: Timeouts

    @Test func anIdleConnectionClosesAfterTheIdleTimeout() {
        var connection = Connection(idle: .seconds(75), receive: .seconds(60))
        // Armed at the shorter timeout, so a request that begins meanwhile is not checked late.
        #expect(connection.state.timerToArm() == .uptimeNanoseconds(0) + .seconds(60))
        #expect(connection.state.timerToArm() == nil)
        connection.now = .uptimeNanoseconds(0) + .seconds(60)
        #expect(connection.state.timerFired(now: connection.now) == .rearm(.uptimeNanoseconds(0) + .seconds(75)))
        connection.now = .uptimeNanoseconds(0) + .seconds(75)
        #expect(connection.state.timerFired(now: connection.now) == .close)
        #expect(connection.state.isClosing)
        #expect(connection.state.timerToArm() == nil)
    }

    @Test func aRequestThatDoesNotArriveInTimeIsAnswered408() {
        var connection = Connection(idle: .seconds(75), receive: .seconds(60))
        _ = connection.state.timerToArm()
        connection.now = .uptimeNanoseconds(0) + .seconds(10)
        _ = connection.invocation()
        _ = connection.body("1")
        connection.now = .uptimeNanoseconds(0) + .seconds(60)
        #expect(connection.state.timerFired(now: connection.now) == .rearm(.uptimeNanoseconds(0) + .seconds(70)))
        connection.now = .uptimeNanoseconds(0) + .seconds(70)
        #expect(connection.state.timerFired(now: connection.now) == .rejectTimedOut)
        #expect(connection.state.dropsWrites)
    }

    @Test func aRequestThatStallsLongerThanTheIdleTimeoutIsAnswered408() {
        var connection = Connection(idle: .seconds(5), receive: .seconds(60))
        _ = connection.state.timerToArm()
        _ = connection.ping()
        connection.now = .uptimeNanoseconds(0) + .seconds(3)
        _ = connection.body("x")
        connection.now = .uptimeNanoseconds(0) + .seconds(5)
        #expect(connection.state.timerFired(now: connection.now) == .rearm(.uptimeNanoseconds(0) + .seconds(8)))
        connection.now = .uptimeNanoseconds(0) + .seconds(8)
        #expect(connection.state.timerFired(now: connection.now) == .rejectTimedOut)
    }

    @Test func aRequestAlreadyAnsweredThatDoesNotArriveInTimeIsClosed() {
        var connection = Connection(idle: nil, receive: .seconds(60))
        #expect(connection.state.timerToArm() == nil)
        _ = connection.ping()
        #expect(connection.state.timerToArm() == .uptimeNanoseconds(0) + .seconds(60))
        _ = connection.answer()
        connection.now = .uptimeNanoseconds(0) + .seconds(60)
        #expect(connection.state.timerFired(now: connection.now) == .close)
    }

    @Test func noTimeoutWhileAnAnswerIsAwaited() {
        var connection = Connection(idle: .seconds(75), receive: .seconds(60))
        _ = connection.state.timerToArm()
        _ = connection.invocation()
        _ = connection.end()
        connection.now = .uptimeNanoseconds(0) + .seconds(600)
        #expect(connection.state.timerFired(now: connection.now) == .none)
        #expect(connection.state.timerToArm() == nil)
        #expect(connection.answered() == .goOn)
        #expect(connection.state.timerToArm() == .uptimeNanoseconds(0) + .seconds(660))
    }

    // MARK: Drain

    @Test func drainClosesAnIdleConnectionAtOnce() {
        var connection = Connection()
        let closesNow = connection.state.quiesce()
        #expect(closesNow)
        #expect(connection.state.isClosing)
    }

    /// Every answer written once draining starts says `Connection: close`, and the connection closes after it, so a
    /// keep-alive client does not send another request on it (issue 23).
    @Test func drainMakesTheCurrentAnswerTheLast() {
        var connection = Connection()
        _ = connection.invocation()
        _ = connection.end()
        _ = connection.ping()
        let closesNow = connection.state.quiesce()
        #expect(!closesNow)
        #expect(connection.answer().headers["connection"] == ["close"])
        #expect(connection.state.answerEnded(now: connection.now) == .close)
        #expect(connection.release() == [])
    }

    // MARK: Routes

    private static func route(_ method: HTTPMethod = .POST, _ uri: String, length: Int? = nil) -> InvocationRoute? {
        var headers = HTTPHeaders()
        if let length { headers.add(name: "Content-Length", value: String(length)) }
        return InvocationRoute(
            HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers),
            maxBodyBytes: Connection.limit)
    }

    @Test(arguments: [
        ("/endpoints/demo/invocations", "demo"),
        ("/endpoints/demo/invocations?x=1", "demo"),
        ("/endpoints/my%20model/invocations", "my model"),
    ])
    func routesInvocations(path: String, endpoint: String) {
        #expect(Self.route(.POST, path)?.endpointName == endpoint)
        #expect(Self.route(.POST, path)?.request.path == path)
    }

    @Test(arguments: [
        "/endpoints/demo/invocations/", "/endpoints//invocations", "/endpoints/demo/invocations-response-stream",
        "/endpoints/demo/async-invocations", "/endpoints/demo", "/ping", "/endpoints/demo/invocationsx",
    ])
    func leavesOtherPathsToTheRouter(path: String) {
        #expect(Self.route(.POST, path) == nil)
    }

    @Test func leavesOtherMethodsAndDeclaredOversizedBodiesToTheRouter() {
        #expect(Self.route(.GET, "/endpoints/demo/invocations") == nil)
        #expect(Self.route(.POST, "/endpoints/demo/invocations", length: 9) == nil)
        #expect(Self.route(.POST, "/endpoints/demo/invocations", length: 8) != nil)
    }
}
