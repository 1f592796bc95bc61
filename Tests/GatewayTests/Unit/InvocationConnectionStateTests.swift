import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("Invocation connection state")
struct InvocationConnectionStateTests {
    private static func head(_ method: HTTPRequest.Method = .post, _ path: String, length: Int? = nil) -> HTTPRequest {
        var fields = HTTPFields()
        if let length { fields[.contentLength] = String(length) }
        return HTTPRequest(method: method, scheme: nil, authority: "gateway", path: path, headerFields: fields)
    }

    private static let invocation = head(.post, "/endpoints/demo/invocations")
    private static let ping = head(.get, "/ping")

    private static func route(_ head: HTTPRequest) -> InvocationRoute? { InvocationRoute(head, maxBodyBytes: 8) }

    /// What an action is, in a word, for comparing sequences of them.
    private static func describe(_ action: InvocationConnectionState.Action?) -> String {
        guard let action else { return "nil" }
        switch action {
        case .none: return "none"
        case .forward(.failure): return "forward failure"
        case .forward(.part(let part)):
            switch part {
            case .head(let head): return "forward head \(head.path ?? "")"
            case .body(let body): return "forward body \(String(buffer: body))"
            case .end: return "forward end"
            }
        case .serve(_, let route, let body):
            switch body {
            case .complete(let body): return "serve \(route.endpointName) \(String(buffer: body))"
            case .failed: return "serve \(route.endpointName) failed"
            }
        }
    }

    private static func read(_ state: inout InvocationConnectionState, _ part: HTTPRequestPart) -> String {
        describe(state.read(.part(part), route: route))
    }

    private static func release(_ state: inout InvocationConnectionState) -> [String] {
        var actions: [String] = []
        while let action = state.releaseNext(route: route) { actions.append(describe(action)) }
        return actions
    }

    @Test func servesAnInvocationOnceItsBodyHasBeenRead() {
        var state = InvocationConnectionState()
        #expect(Self.read(&state, .head(Self.invocation)) == "none")
        #expect(Self.read(&state, .body(ByteBuffer(string: "1,2"))) == "none")
        #expect(Self.read(&state, .body(ByteBuffer(string: ",3"))) == "none")
        #expect(Self.read(&state, .end(nil)) == "serve demo 1,2,3")
        #expect(state.answersPending == 1)
        state.answerEnded()
        #expect(state.answersPending == 0)
    }

    @Test func passesOtherRequestsOn() {
        var state = InvocationConnectionState()
        #expect(Self.read(&state, .head(Self.ping)) == "forward head /ping")
        #expect(Self.read(&state, .body(ByteBuffer(string: "x"))) == "forward body x")
        #expect(Self.read(&state, .end(nil)) == "forward end")
        #expect(!state.isHolding)
    }

    @Test func holdsARequestUntilTheAnswerBeforeItHasEnded() {
        var state = InvocationConnectionState()
        _ = Self.read(&state, .head(Self.invocation))
        _ = Self.read(&state, .body(ByteBuffer(string: "1")))
        #expect(Self.read(&state, .end(nil)) == "serve demo 1")
        #expect(Self.read(&state, .head(Self.ping)) == "none")
        #expect(Self.read(&state, .end(nil)) == "none")
        #expect(Self.read(&state, .head(Self.invocation)) == "none")
        #expect(Self.read(&state, .body(ByteBuffer(string: "2"))) == "none")
        #expect(Self.read(&state, .end(nil)) == "none")
        #expect(state.isHolding)
        #expect(Self.release(&state) == [])
        state.answerEnded()
        #expect(Self.release(&state) == ["forward head /ping", "forward end"])
        state.answerEnded()
        #expect(Self.release(&state) == ["none", "none", "serve demo 2"])
        #expect(!state.isHolding)
    }

    @Test func holdsAnInvocationWhileTheRouterAnswers() {
        var state = InvocationConnectionState()
        _ = Self.read(&state, .head(Self.ping))
        _ = Self.read(&state, .end(nil))
        #expect(Self.read(&state, .head(Self.invocation)) == "none")
        #expect(Self.read(&state, .body(ByteBuffer(string: "1"))) == "none")
        #expect(Self.read(&state, .end(nil)) == "none")
        state.answerEnded()
        #expect(Self.release(&state) == ["none", "none", "serve demo 1"])
    }

    @Test func bodyPartsOfARequestAnsweredEarlyStillGoToTheRouter() {
        var state = InvocationConnectionState()
        _ = Self.read(&state, .head(Self.ping))
        state.answerEnded()
        #expect(Self.read(&state, .body(ByteBuffer(string: "rest"))) == "forward body rest")
        #expect(Self.read(&state, .end(nil)) == "forward end")
        #expect(Self.read(&state, .head(Self.invocation)) == "none")
    }

    @Test func keepsOneByteOverTheLimitOfAnOversizedBody() {
        var state = InvocationConnectionState()
        _ = Self.read(&state, .head(Self.invocation))
        _ = Self.read(&state, .body(ByteBuffer(string: "123456")))
        _ = Self.read(&state, .body(ByteBuffer(string: "7890ab")))
        _ = Self.read(&state, .body(ByteBuffer(string: "cd")))
        #expect(Self.read(&state, .end(nil)) == "serve demo 123456789")
    }

    @Test func aParseErrorInAnInvocationsBodyFailsThatInvocation() {
        var state = InvocationConnectionState()
        _ = Self.read(&state, .head(Self.invocation))
        let failed = state.read(.failure(HTTPParserError.invalidChunkSize), route: Self.route)
        #expect(Self.describe(failed) == "serve demo failed")
        let afterIt = state.read(.failure(HTTPParserError.invalidChunkSize), route: Self.route)
        #expect(Self.describe(afterIt) == "forward failure")
    }

    @Test func putsOffReadsWhileHolding() {
        var state = InvocationConnectionState()
        var mayRead = state.mayRead()
        #expect(mayRead)
        _ = Self.read(&state, .head(Self.invocation))
        _ = Self.read(&state, .end(nil))
        mayRead = state.mayRead()
        #expect(mayRead)
        _ = Self.read(&state, .head(Self.ping))
        mayRead = state.mayRead()
        #expect(!mayRead)
        var due = state.takePutOffRead()
        #expect(!due)
        state.answerEnded()
        _ = Self.release(&state)
        due = state.takePutOffRead()
        #expect(due)
        due = state.takePutOffRead()
        #expect(!due)
    }

    @Test(arguments: [
        ("/endpoints/demo/invocations", "demo"),
        ("/endpoints/demo/invocations?x=1", "demo"),
        ("/endpoints/my%20model/invocations", "my model"),
    ])
    func routesInvocations(path: String, endpoint: String) {
        #expect(Self.route(Self.head(.post, path))?.endpointName == endpoint)
    }

    @Test(arguments: [
        "/endpoints/demo/invocations/", "/endpoints//invocations", "/endpoints/demo/invocations-response-stream",
        "/endpoints/demo/async-invocations", "/endpoints/demo", "/ping", "/endpoints/demo/invocationsx",
    ])
    func leavesOtherPathsToTheRouter(path: String) {
        #expect(Self.route(Self.head(.post, path)) == nil)
    }

    @Test func leavesOtherMethodsAndDeclaredOversizedBodiesToTheRouter() {
        #expect(Self.route(Self.head(.get, "/endpoints/demo/invocations")) == nil)
        #expect(Self.route(Self.head(.post, "/endpoints/demo/invocations", length: 9)) == nil)
        #expect(Self.route(Self.head(.post, "/endpoints/demo/invocations", length: 8)) != nil)
    }
}
