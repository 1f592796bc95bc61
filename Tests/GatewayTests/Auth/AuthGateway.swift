import Foundation
import GatewayAuth
import TestSupport

/// A real gateway with one endpoint per `auth` mode over a demo backend, a master key file, and the `keys` CLI.
///
/// Endpoints: `open` (none), `keyed` (api_key), `signed` (sigv4), `any` and `other` (any). SigV4 scopes must name
/// region `us-east-1`.
struct AuthGateway {
    let gateway: GatewayProcess
    let masterKeyFile: URL

    /// The configuration after `[server]`.
    static func config(backend: String, masterKeyFile: URL) -> String {
        let variant = TOML.variant("Model", backends: [backend])
        return """

            [auth]
            master_key_file = "\(masterKeyFile.path)"
            regions = ["us-east-1"]

            """
                + TOML.endpoint("open", "auth = \"none\"") + variant
                + TOML.endpoint("keyed", "auth = \"api_key\"") + variant
                + TOML.endpoint("signed", "auth = \"sigv4\"") + variant
                + TOML.endpoint("any", "auth = \"any\"") + variant
                + TOML.endpoint("other", "auth = \"any\"") + variant
    }

    /// Starts a demo backend and the gateway; runs `body`; stops everything.
    static func run(server: String = "", _ body: (AuthGateway) async throws -> Void) async throws {
        let keyDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mlgw-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: keyDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: keyDirectory) }
        let masterKeyFile = keyDirectory.appendingPathComponent("master.key")
        try Data((MasterKey.random().base64 + "\n").utf8).write(to: masterKeyFile)
        try await withGateway(
            backends: [BackendSpec(name: "model")], server: server,
            config: { backends in config(backend: backends["model"].url, masterKeyFile: masterKeyFile) }
        ) { gateway, _ in
            try await body(AuthGateway(gateway: gateway, masterKeyFile: masterKeyFile))
        }
    }

    /// Runs `mlgateway keys <arguments> --config <gateway.conf>`.
    func keys(_ arguments: [String], environment: [String: String]? = nil) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            BuiltProducts.path("mlgateway"), ["keys"] + arguments + ["--config", gateway.configFile.path],
            environment: environment, currentDirectory: gateway.directory)
    }

    /// `keys create --output json` with `options`; the printed JSON object. Returns once the gateway has loaded the
    /// key (it polls the database every 250 ms).
    func createKey(_ name: String = "test", _ options: [String] = []) async throws -> NewKey {
        let key = try await createKeyWithoutWaiting(name, options)
        try await waitUntilLoaded()
        return key
    }

    /// `keys create --output json` with `options`, without waiting for the gateway to load it.
    func createKeyWithoutWaiting(_ name: String, _ options: [String] = []) async throws -> NewKey {
        let outcome = try await keys(["create", "--name", name, "--output", "json"] + options)
        guard outcome.status == 0 else {
            throw TestFailure("keys create failed (\(outcome.status)): \(outcome.output)")
        }
        return try NewKey(json: outcome.output)
    }

    /// Waits until the gateway has loaded every key created so far: creates an unlimited sentinel key and polls with
    /// it (a reload installs the whole database at once).
    func waitUntilLoaded() async throws {
        let sentinel = try await createKeyWithoutWaiting("sentinel")
        try await eventually("the gateway loads the new keys", timeout: .seconds(10), interval: .milliseconds(20)) {
            try await invoke("any", apiKey: sentinel.apiKey).status == 200
        }
    }

    /// A request with an API key in `x-api-key`.
    func invoke(_ endpoint: String, apiKey: String?, body: String = "1,2,3") async throws -> HTTP.Response {
        try await gateway.invoke(endpoint, body: body, headers: apiKey.map { [("x-api-key", $0)] } ?? [])
    }

    /// A SigV4-signed request; `send` lets a test change what goes on the wire after signing.
    func invokeSigned(
        _ endpoint: String, accessKeyID: String, secret: String, body: String = "1,2,3", region: String = "us-east-1",
        date: Date = Date(), sessionToken: String? = nil,
        send: (inout SignedCall) -> Void = { _ in }
    ) async throws -> HTTP.Response {
        let path = "/endpoints/\(endpoint)/invocations"
        let unsigned = SigV4Request(
            method: "POST", path: path, query: "",
            headers: [(name: "Host", value: "127.0.0.1:\(gateway.port)"), (name: "Content-Type", value: "text/csv")],
            body: Array(body.utf8))
        let signer = SigV4Signer(
            accessKeyID: accessKeyID, secretAccessKey: secret, region: region, sessionToken: sessionToken)
        let signed = signer.sign(unsigned, date: date)
        var call = SignedCall(path: path, headers: signed.headers.map { ($0.name, $0.value) }, body: body)
        send(&call)
        return try await HTTP.request(
            .POST, gateway.url + call.path, headers: call.headers, body: Array(call.body.utf8))
    }

    /// The request a signed call sends, editable to tamper with it.
    struct SignedCall {
        var path: String
        var headers: [(String, String)]
        var body: String

        mutating func setHeader(_ name: String, _ value: String) {
            headers = headers.map { $0.0.lowercased() == name.lowercased() ? ($0.0, value) : $0 }
        }
    }
}

/// The JSON `keys create --output json` prints.
struct NewKey {
    let id: String
    let name: String
    let apiKey: String
    let accessKeyID: String?
    let secretAccessKey: String?
    /// Every member name of the object.
    let fields: Set<String>

    init(json text: String) throws {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("{") }),
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let id = object["id"] as? String, let name = object["name"] as? String,
            let apiKey = object["apiKey"] as? String
        else { throw TestFailure("not a created key: \(text)") }
        self.id = id
        self.name = name
        self.apiKey = apiKey
        self.accessKeyID = object["accessKeyId"] as? String
        self.secretAccessKey = object["secretAccessKey"] as? String
        self.fields = Set(object.keys)
    }

    init(object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object)
        try self.init(json: String(decoding: data, as: UTF8.self))
    }
}
