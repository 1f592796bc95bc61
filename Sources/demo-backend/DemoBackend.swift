import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A tiny model server speaking the SageMaker container contract (`GET /ping`, `POST /invocations`), for the
/// README demo, the tests and the benchmarks.
@main
struct DemoBackend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-backend",
        abstract: "A tiny model server speaking the SageMaker container contract (/ping, /invocations).")

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case model, echo, stream, oip
    }

    @Option(help: "Address to bind.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(
        help:
            "model: a deterministic score per CSV row or JSON instance; echo: the request body back; stream: the body's words as chunks, --delay-ms apart; oip: Open Inference Protocol (/v2/models/{name}/infer)."
    )
    var mode: Mode = .model

    @Option(name: .customLong("delay-ms"), help: "Delay before each answer, in milliseconds.")
    var delayMilliseconds = 0

    @Option(name: .customLong("fail-rate"), help: "Share of invocations answered with HTTP 500 (0 to 1).")
    var failRate = 0.0

    @Option(name: .customLong("fail-after-chunks"), help: "stream mode: break the connection after this many chunks.")
    var failAfterChunks: Int?

    @Flag(name: .customLong("multi-model"), help: "Serve the multi-model API (/models, /models/{name}/invoke).")
    var multiModel = false

    @Option(name: .customLong("load-delay-ms"), help: "Multi-model: time a model load takes, in milliseconds.")
    var loadDelayMilliseconds = 0

    @Option(help: "Name reported in the X-Demo-Backend answer header.")
    var name = "demo"

    @Option(
        name: .customLong("grpc-port"),
        help: "oip mode: also serve the Open Inference Protocol over gRPC (plaintext HTTP/2) on this port.")
    var grpcPort: Int?

    func validate() throws {
        guard (0...1).contains(failRate) else { throw ValidationError("--fail-rate must be between 0 and 1") }
        guard delayMilliseconds >= 0 else { throw ValidationError("--delay-ms must not be negative") }
        guard loadDelayMilliseconds >= 0 else { throw ValidationError("--load-delay-ms must not be negative") }
        guard grpcPort == nil || mode == .oip else { throw ValidationError("--grpc-port is for --mode oip") }
    }

    func run() async throws {
        var logger = Logger(label: "demo-backend")
        logger.logLevel = .warning
        let state = DemoState()
        let router = Router()
        let settings = (
            mode: mode, delay: delayMilliseconds, failRate: failRate, name: name, failAfter: failAfterChunks
        )
        router.get("ping") { _, _ in
            Response(status: state.pingStatus)
        }
        router.get("control/invocations") { _, _ in
            "\(state.invocations)"
        }
        router.get("control/traceparent") { _, _ in
            state.lastTraceparent ?? ""
        }
        router.post("control/ping-status") { request, _ in
            let code = request.uri.queryParameters["code"].flatMap { Int($0) } ?? 200
            state.pingStatus = HTTPResponse.Status(code: code)
            return Response(status: .ok)
        }
        let answer: @Sendable (Request, ByteBuffer) async throws -> Response = { request, body in
            state.countInvocation()
            if let traceparent = request.headers[.traceparent] { state.lastTraceparent = traceparent }
            if settings.delay > 0, settings.mode != .stream { try await Task.sleep(for: .milliseconds(settings.delay)) }
            var headers: HTTPFields = [HTTPField.Name("X-Demo-Backend")!: settings.name]
            if settings.failRate > 0, Double.random(in: 0..<1) < settings.failRate {
                headers[.contentType] = "application/json"
                return Response(
                    status: .internalServerError, headers: headers,
                    body: .init(byteBuffer: .init(string: #"{"error":"injected failure"}"#)))
            }
            let attributes = HTTPField.Name("X-Amzn-SageMaker-Custom-Attributes")!
            if let custom = request.headers[attributes] { headers[attributes] = custom }
            let contentType = request.headers[.contentType] ?? "application/octet-stream"
            switch settings.mode {
            case .stream:
                return DemoStream.response(
                    body: String(buffer: body), contentType: contentType, delay: .milliseconds(settings.delay),
                    failAfter: settings.failAfter, headers: headers)
            case .echo:
                headers[.contentType] = contentType
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
            case .model:
                let answer = DemoModel.predict(body: String(buffer: body), contentType: contentType)
                headers[.contentType] = answer.contentType
                return Response(
                    status: answer.status, headers: headers, body: .init(byteBuffer: .init(string: answer.body)))
            case .oip:
                let answer = DemoOpenInference.infer(
                    body: body, model: "model",
                    headerLength: request.headers[DemoOpenInference.inferenceHeaderLength].flatMap { Int($0) })
                headers[.contentType] = "application/json"
                return Response(
                    status: answer.status, headers: headers, body: .init(byteBuffer: .init(string: answer.body)))
            }
        }
        router.post("invocations") { request, _ in
            try await answer(request, try await request.body.collect(upTo: 64 * 1024 * 1024))
        }
        if multiModel {
            DemoMultiModel(loadDelay: .milliseconds(loadDelayMilliseconds))
                .addRoutes(to: router) { request, body, _ in try await answer(request, body) }
        }
        if mode == .oip { DemoOpenInference.addRoutes(to: router, answer: answer) }
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
        guard let grpcPort else { return try await app.runService() }
        let grpc = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: host, port: grpcPort), transportSecurity: .plaintext),
            services: [
                DemoOpenInferenceGRPC(state: state, delay: .milliseconds(delayMilliseconds), failRate: failRate)
            ])
        // The HTTP application stops on SIGTERM or SIGINT; the gRPC server stops with it.
        try await withThrowingTaskGroup { group in
            group.addTask { try await grpc.serve() }
            group.addTask { try await app.runService() }
            try await group.next()
            grpc.beginGracefulShutdown()
            group.cancelAll()
        }
    }
}

/// Mutable state of the demo backend: the `/ping` status tests can flip, and the invocations it answered.
final class DemoState: Sendable {
    private let status = Mutex(HTTPResponse.Status.ok)
    private let answered = Atomic<Int>(0)
    private let traceparent = Mutex<String?>(nil)

    /// The W3C `traceparent` of the last invocation that had one (`GET /control/traceparent`), so tests can check
    /// what the gateway propagates.
    var lastTraceparent: String? {
        get { traceparent.withLock { $0 } }
        set { traceparent.withLock { $0 = newValue } }
    }

    /// Invocations received so far (`GET /control/invocations`), so tests can tell which backend served.
    var invocations: Int { answered.load(ordering: .relaxed) }

    func countInvocation() { answered.add(1, ordering: .relaxed) }

    var pingStatus: HTTPResponse.Status {
        get { status.withLock { $0 } }
        set { status.withLock { $0 = newValue } }
    }
}
