import Foundation
import TestSupport

/// A real `mlgateway serve` process with its configuration file in a fresh temporary directory.
///
/// The `[server]` table is written by the harness (free ports, state directory); tests give the rest of the file.
final class GatewayProcess: Sendable {
    let directory: URL
    let configFile: URL
    let port: Int
    let adminPort: Int
    let serverTable: String
    let child: ChildProcess

    /// Base URL of the client API.
    var url: String { "http://127.0.0.1:\(port)" }
    /// Base URL of the admin API.
    var adminURL: String { "http://127.0.0.1:\(adminPort)" }

    /// Writes the configuration and starts the gateway; returns once `/readyz` answers 200.
    static func start(_ body: String, server extra: String = "") async throws -> GatewayProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mlgw-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try FreePort.next()
        var adminPort = try FreePort.next()
        while adminPort == port { adminPort = try FreePort.next() }
        let serverTable = """
            [server]
            listen = "127.0.0.1:\(port)"
            admin_listen = "127.0.0.1:\(adminPort)"
            state_dir = "var"
            \(extra)

            """
        let configFile = directory.appendingPathComponent("gateway.conf")
        try Data((serverTable + body).utf8).write(to: configFile)
        let child = try ChildProcess(
            BuiltProducts.path("mlgateway"), ["serve", "--config", configFile.path], currentDirectory: directory)
        let gateway = GatewayProcess(
            directory: directory, configFile: configFile, port: port, adminPort: adminPort, serverTable: serverTable,
            child: child)
        try await gateway.waitUntilReady()
        return gateway
    }

    private init(directory: URL, configFile: URL, port: Int, adminPort: Int, serverTable: String, child: ChildProcess) {
        self.directory = directory
        self.configFile = configFile
        self.port = port
        self.adminPort = adminPort
        self.serverTable = serverTable
        self.child = child
    }

    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            guard child.process.isRunning else { throw TestSupportError("mlgateway exited at start: \(child.output)") }
            if let response = try? await HTTP.request(.GET, "\(adminURL)/readyz", timeout: .seconds(2)),
                response.status == 200,
                FreePort.isListening(port)
            {
                return
            }
            guard ContinuousClock.now < deadline else {
                await child.stop()
                throw TestSupportError("mlgateway is not ready after 30 s: \(child.output)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Replaces everything after the `[server]` table (which stays as started).
    func rewrite(_ body: String) throws {
        try Data((serverTable + body).utf8).write(to: configFile, options: .atomic)
    }

    /// Writes `text` as the whole file.
    func writeRaw(_ text: String) throws {
        try Data(text.utf8).write(to: configFile, options: .atomic)
    }

    /// Invokes `endpoint` with `body`.
    func invoke(
        _ endpoint: String = "demo", body: String = "1,2,3", contentType: String = "text/csv",
        headers: [(String, String)] = [], timeout: Duration = .seconds(60)
    ) async throws -> HTTP.Response {
        try await HTTP.request(
            .POST, "\(url)/endpoints/\(endpoint)/invocations", headers: [("Content-Type", contentType)] + headers,
            body: Array(body.utf8), timeout: timeout)
    }

    /// The admin `/admin/endpoints` document.
    func endpointsState() async throws -> AdminState {
        let response = try await HTTP.request(.GET, "\(adminURL)/admin/endpoints")
        guard response.status == 200 else { throw TestSupportError("/admin/endpoints answered \(response.status)") }
        return try AdminState(json: response.body)
    }

    /// The `/metrics` exposition.
    func metrics() async throws -> PrometheusText {
        let response = try await HTTP.request(.GET, "\(adminURL)/metrics")
        guard response.status == 200 else { throw TestSupportError("/metrics answered \(response.status)") }
        return PrometheusText(response.text)
    }

    /// Sends `signal` to the gateway.
    func send(_ signal: Int32) { child.send(signal) }

    /// The gateway's log so far.
    var output: String { child.output }

    /// Stops the gateway and removes its directory.
    func stop() async {
        await child.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// `GET /admin/endpoints`, decoded.
struct AdminState {
    struct BackendState {
        let url: String
        let healthy: Bool
        let circuit: String
        let outstanding: Int
    }

    let generation: Int
    /// Backends by endpoint and variant name.
    let backends: [String: [String: [BackendState]]]

    init(json: [UInt8]) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
            let generation = root["generation"] as? Int, let endpoints = root["endpoints"] as? [[String: Any]]
        else {
            throw TestSupportError("unexpected /admin/endpoints document: \(String(decoding: json, as: UTF8.self))")
        }
        self.generation = generation
        var backends: [String: [String: [BackendState]]] = [:]
        for endpoint in endpoints {
            guard let name = endpoint["name"] as? String, let variants = endpoint["variants"] as? [[String: Any]] else {
                continue
            }
            for variant in variants {
                guard let variantName = variant["name"] as? String, let list = variant["backends"] as? [[String: Any]]
                else {
                    continue
                }
                backends[name, default: [:]][variantName] = list.map {
                    BackendState(
                        url: $0["url"] as? String ?? "", healthy: $0["healthy"] as? Bool ?? false,
                        circuit: $0["circuit"] as? String ?? "", outstanding: $0["outstanding"] as? Int ?? -1)
                }
            }
        }
        self.backends = backends
    }

    /// The state of the backend at `url` in `variant` of `endpoint`.
    func backend(_ url: String, endpoint: String = "demo", variant: String) -> BackendState? {
        backends[endpoint]?[variant]?.first { $0.url == url }
    }
}
