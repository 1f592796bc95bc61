import Foundation
import TestSupport

/// A real `demo-backend` process on a free loopback port.
final class DemoBackendProcess: Sendable {
    let port: Int
    /// The port of its Open Inference gRPC server (`--grpc-port`), if it has one.
    let grpcPort: Int?
    let name: String
    let child: ChildProcess

    /// `http://127.0.0.1:<port>`.
    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts a backend and waits until it accepts connections.
    static func start(
        name: String, mode: String = "model", delayMilliseconds: Int = 0, failRate: Double = 0, port: Int? = nil,
        grpc: Bool = false
    ) async throws -> DemoBackendProcess {
        let port = try port ?? FreePort.next()
        var grpcPort: Int?
        if grpc {
            var free = try FreePort.next()
            while free == port { free = try FreePort.next() }
            grpcPort = free
        }
        let child = try ChildProcess(
            BuiltProducts.path("demo-backend"),
            [
                "--port", "\(port)", "--mode", mode, "--delay-ms", "\(delayMilliseconds)", "--fail-rate", "\(failRate)",
                "--name", name,
            ] + (grpcPort.map { ["--grpc-port", "\($0)"] } ?? []))
        let backend = DemoBackendProcess(port: port, grpcPort: grpcPort, name: name, child: child)
        let deadline = ContinuousClock.now + .seconds(30)
        while !FreePort.isListening(port) || !(grpcPort.map(FreePort.isListening) ?? true) {
            guard child.process.isRunning else {
                throw TestSupportError("demo-backend \(name) exited at start: \(child.output)")
            }
            guard ContinuousClock.now < deadline else {
                await child.stop()
                throw TestSupportError("demo-backend \(name) does not listen on \(port): \(child.output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return backend
    }

    private init(port: Int, grpcPort: Int?, name: String, child: ChildProcess) {
        self.port = port
        self.grpcPort = grpcPort
        self.name = name
        self.child = child
    }

    /// Makes `/ping` answer `code` from now on.
    func setPingStatus(_ code: Int) async throws {
        let response = try await HTTP.request(.POST, "\(url)/control/ping-status?code=\(code)")
        guard response.status == 200 else { throw TestSupportError("ping-status control answered \(response.status)") }
    }

    /// The number of invocations this backend has answered.
    func invocations() async throws -> Int {
        let response = try await HTTP.request(.GET, "\(url)/control/invocations")
        guard response.status == 200, let count = Int(response.text) else {
            throw TestSupportError("invocations control answered \(response.status): \(response.text)")
        }
        return count
    }

    func stop() async { await child.stop() }
}

/// Backends started for one test, stopped together.
final class Backends: Sendable {
    let all: [DemoBackendProcess]

    init(_ all: [DemoBackendProcess]) { self.all = all }

    subscript(name: String) -> DemoBackendProcess {
        guard let backend = all.first(where: { $0.name == name }) else { preconditionFailure("no backend \(name)") }
        return backend
    }

    func stop() async {
        for backend in all { await backend.stop() }
    }
}
