import Foundation
import TestSupport

/// What a process test starts: demo backends, then a gateway whose configuration names them.
struct BackendSpec: Sendable {
    var name: String
    var mode = "model"
    var delayMilliseconds = 0
    var failRate = 0.0
    /// Whether it serves the Open Inference Protocol over gRPC too (`--grpc-port`, with mode `oip`).
    var grpc = false
}

/// Starts `backends`, then a gateway with the configuration `config` builds from them; runs `body`; stops everything.
func withGateway(
    backends specs: [BackendSpec], server: String = "", config: (Backends) throws -> String,
    _ body: (GatewayProcess, Backends) async throws -> Void
) async throws {
    var started: [DemoBackendProcess] = []
    do {
        for spec in specs {
            started.append(
                try await DemoBackendProcess.start(
                    name: spec.name, mode: spec.mode, delayMilliseconds: spec.delayMilliseconds,
                    failRate: spec.failRate,
                    grpc: spec.grpc))
        }
    } catch {
        await Backends(started).stop()
        throw error
    }
    let backends = Backends(started)
    let gateway: GatewayProcess
    do {
        gateway = try await GatewayProcess.start(try config(backends), server: server)
    } catch {
        await backends.stop()
        throw error
    }
    do {
        try await body(gateway, backends)
    } catch {
        await gateway.stop()
        await backends.stop()
        throw TestFailure("\(error)\n--- gateway log ---\n\(gateway.output.suffix(4000))")
    }
    await gateway.stop()
    await backends.stop()
}

/// Runs `body` against a gateway with one endpoint `demo` whose only variant, `VariantA`, is one model backend.
func withDemoGateway(server: String = "", _ body: (GatewayProcess) async throws -> Void) async throws {
    try await withGateway(backends: [BackendSpec(name: "a")], server: server) { backends in
        TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
    } _: { gateway, _ in
        try await body(gateway)
    }
}

/// TOML builders for process tests.
enum TOML {
    /// `[[endpoint]]` with `name` and extra keys (`timeout = "1s"`, sub-tables after them).
    static func endpoint(_ name: String = "demo", _ extra: String = "") -> String {
        "\n[[endpoint]]\nname = \"\(name)\"\n\(extra)\n"
    }

    /// `[[endpoint.variant]]`.
    static func variant(_ name: String, weight: Double = 1, backends: [String], shadow: Bool = false) -> String {
        let list = backends.map { "\"\($0)\"" }.joined(separator: ", ")
        return
            "\n[[endpoint.variant]]\nname = \"\(name)\"\nweight = \(weight)\nbackends = [\(list)]\nshadow = \(shadow)\n"
    }

    /// A URL whose port refuses connections.
    static func unreachableURL() throws -> String { "http://127.0.0.1:\(try FreePort.refusing())" }
}
