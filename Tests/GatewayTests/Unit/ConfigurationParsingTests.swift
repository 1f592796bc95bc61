import Foundation
import Testing

@testable import Gateway
@testable import InvocationCore
@testable import ModelClient

@Suite("Configuration parsing")
struct ConfigurationParsingTests {
    static let minimal = """
        [[endpoint]]
        name = "demo"

        [[endpoint.variant]]
        name = "VariantA"
        backends = ["http://127.0.0.1:9001"]
        """

    static let everyKey = """
        [server]
        listen = "0.0.0.0:9080"
        admin_listen = "[::1]:9081"
        grpc_listen = "0.0.0.0:9082"
        state_dir = "state"
        max_body_bytes = 1048576
        drain_timeout = "45s"
        shutdown_delay = "2s"
        account_id = "123456789012"
        admin_token = "secret"
        log_level = "debug"
        access_log = true
        client_idle_timeout = "2m"
        request_receive_timeout = "30s"

        [[endpoint]]
        name = "churn"
        auth = "api_key"
        connect_timeout = "500ms"
        timeout = "30s"
        idle_timeout = "4s"
        max_retries = 3

        [endpoint.circuit_breaker]
        failure_threshold = 7
        open_duration = "15s"

        [endpoint.health_check]
        interval = "1s"
        timeout = "250ms"
        unhealthy_threshold = 4
        healthy_threshold = 2

        [[endpoint.variant]]
        name = "A"
        weight = 2
        backends = ["http://10.0.0.1:8080", "http://10.0.0.2:8080/"]

        [[endpoint.variant]]
        name = "Shadow"
        weight = 0.5
        shadow = true
        backends = ["http://10.0.0.3:8080"]

        [[endpoint]]
        name = "fraud.v2"

        [[endpoint.variant]]
        name = "Only"
        backends = ["https://models.internal:443"]
        """

    @Test func minimalFileGetsTheDefaults() throws {
        let configuration = try TestConfigurations.parse(Self.minimal)
        let server = configuration.server
        #expect(server.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(server.adminListen == ListenAddress(host: "127.0.0.1", port: 8081))
        #expect(server.grpcListen == nil)
        #expect(server.stateDirectory.path == "/tmp/mlgw/var")
        #expect(server.maxBodyBytes == 6 * 1024 * 1024)
        #expect(server.drainTimeout == .seconds(30))
        #expect(server.shutdownDelay == .zero)
        #expect(server.accountID == "000000000000")
        #expect(server.adminToken == nil)
        #expect(server.logLevel == "info")
        #expect(server.accessLog == false)
        #expect(server.clientIdleTimeout == .seconds(75))
        #expect(server.requestReceiveTimeout == .seconds(60))
        let endpoint = try #require(configuration.endpoints.first)
        #expect(configuration.endpoints.count == 1)
        #expect(endpoint.name == "demo")
        #expect(endpoint.auth == AuthMode.none)
        #expect(endpoint.backend == BackendSettings())
        #expect(
            endpoint.variants == [
                VariantConfiguration(name: "VariantA", weight: 1, backends: [URL(string: "http://127.0.0.1:9001")!])
            ])
        #expect(configuration.sourceFile?.lastPathComponent == "gateway.conf")
    }

    @Test func backendDefaultsAreSageMakerLike() {
        let settings = BackendSettings()
        #expect(settings.connectTimeout == .seconds(2))
        #expect(settings.timeout == .seconds(60))
        #expect(settings.idleTimeout == .milliseconds(1500))
        #expect(settings.maxRetries == 2)
        #expect(settings.failureThreshold == 5)
        #expect(settings.openDuration == .seconds(10))
        #expect(settings.healthCheckInterval == .seconds(5))
        #expect(settings.healthCheckTimeout == .seconds(2))
        #expect(settings.unhealthyThreshold == 2)
        #expect(settings.healthyThreshold == 1)
    }

    @Test func zeroClientIdleTimeoutKeepsIdleConnections() throws {
        let configuration = try TestConfigurations.parse("[server]\nclient_idle_timeout = \"0s\"\n" + Self.minimal)
        #expect(configuration.server.clientIdleTimeout == nil)
        let receive = try TestConfigurations.parse("[server]\nrequest_receive_timeout = \"0s\"\n" + Self.minimal)
        #expect(receive.server.requestReceiveTimeout == nil)
    }

    @Test func emptyFileHasNoEndpoints() throws {
        let configuration = try TestConfigurations.parse("")
        #expect(configuration.endpoints.isEmpty)
    }

    @Test func everyServerKeyIsRead() throws {
        let server = try TestConfigurations.parse(Self.everyKey).server
        #expect(server.listen == ListenAddress(host: "0.0.0.0", port: 9080))
        #expect(server.adminListen == ListenAddress(host: "::1", port: 9081))
        #expect(server.grpcListen == ListenAddress(host: "0.0.0.0", port: 9082))
        #expect(server.stateDirectory.path == "/tmp/mlgw/state")
        #expect(server.maxBodyBytes == 1_048_576)
        #expect(server.drainTimeout == .seconds(45))
        #expect(server.shutdownDelay == .seconds(2))
        #expect(server.accountID == "123456789012")
        #expect(server.adminToken == "secret")
        #expect(server.logLevel == "debug")
        #expect(server.accessLog == true)
        #expect(server.clientIdleTimeout == .seconds(120))
        #expect(server.requestReceiveTimeout == .seconds(30))
    }

    @Test func everyEndpointKeyIsRead() throws {
        let endpoint = try #require(try TestConfigurations.parse(Self.everyKey).endpoints.first)
        #expect(endpoint.name == "churn")
        #expect(endpoint.auth == .apiKey)
        #expect(
            endpoint.backend
                == BackendSettings(
                    connectTimeout: .milliseconds(500), timeout: .seconds(30), idleTimeout: .seconds(4), maxRetries: 3,
                    failureThreshold: 7,
                    openDuration: .seconds(15), healthCheckInterval: .seconds(1),
                    healthCheckTimeout: .milliseconds(250),
                    unhealthyThreshold: 4, healthyThreshold: 2))
    }

    @Test func everyVariantKeyIsRead() throws {
        let endpoint = try #require(try TestConfigurations.parse(Self.everyKey).endpoints.first)
        #expect(
            endpoint.variants == [
                VariantConfiguration(
                    name: "A", weight: 2,
                    backends: [URL(string: "http://10.0.0.1:8080")!, URL(string: "http://10.0.0.2:8080/")!]),
                VariantConfiguration(
                    name: "Shadow", weight: 0.5, backends: [URL(string: "http://10.0.0.3:8080")!], shadow: true),
            ])
        #expect(endpoint.productionVariants.map(\.name) == ["A"])
        #expect(endpoint.shadowVariants.map(\.name) == ["Shadow"])
    }

    @Test func endpointsKeepFileOrder() throws {
        let configuration = try TestConfigurations.parse(Self.everyKey)
        #expect(configuration.endpoints.map(\.name) == ["churn", "fraud.v2"])
        #expect(
            configuration.endpoint(named: "fraud.v2")?.variants.first?.backends == [
                URL(string: "https://models.internal:443")!
            ])
        #expect(configuration.endpoint(named: "nope") == nil)
    }

    @Test(arguments: AuthMode.allCases)
    func everyAuthModeIsAccepted(mode: AuthMode) throws {
        let text = Self.minimal.replacingOccurrences(
            of: "name = \"demo\"", with: "name = \"demo\"\nauth = \"\(mode.rawValue)\"")
        #expect(try TestConfigurations.parse(text).endpoints.first?.auth == mode)
    }

    @Test func absoluteStateDirectoryIsKept() throws {
        let configuration = try TestConfigurations.parse("[server]\nstate_dir = \"/var/lib/mlgateway\"\n")
        #expect(configuration.server.stateDirectory.path == "/var/lib/mlgateway")
    }

    @Test func adminTokenFromTheEnvironmentWins() throws {
        let text = "[server]\nadmin_token = \"from-file\"\n"
        let configuration = try TestConfigurations.parse(text, environment: ["MLGATEWAY_ADMIN_TOKEN": "from-env"])
        #expect(configuration.server.adminToken == "from-env")
        let unset = try TestConfigurations.parse(text, environment: ["MLGATEWAY_ADMIN_TOKEN": ""])
        #expect(unset.server.adminToken == "from-file")
    }

    @Test func emptyAdminTokenMeansNone() throws {
        #expect(try TestConfigurations.parse("[server]\nadmin_token = \"\"\n").server.adminToken == nil)
    }

    @Test func loadReadsTheFileAndResolvesPathsNextToIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "mlgw-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("gateway.conf")
        try Data(Self.minimal.utf8).write(to: file)
        let configuration = try GatewayConfiguration.load(contentsOf: file.path, environment: [:])
        #expect(
            configuration.server.stateDirectory.standardizedFileURL.path
                == directory.appendingPathComponent("var").standardizedFileURL.path)
        #expect(configuration.sourceFile?.path == file.path)
        #expect(configuration.endpoints.count == 1)
    }

    @Test func repositoryGatewayConfIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let configuration = try GatewayConfiguration.load(
            contentsOf: root.appendingPathComponent("gateway.conf").path, environment: [:])
        #expect(configuration.endpoint(named: "demo")?.variants.map(\.name) == ["VariantA", "VariantB"])
    }
}

@Suite("ListenAddress")
struct ListenAddressTests {
    @Test func parsesHostAndPort() {
        #expect(ListenAddress(parsing: "127.0.0.1:8080") == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(ListenAddress(parsing: "localhost:0") == ListenAddress(host: "localhost", port: 0))
        #expect(ListenAddress(parsing: "[::1]:9000") == ListenAddress(host: "::1", port: 9000))
    }

    @Test(arguments: ["8080", ":8080", "host:", "host:port", "host:65536", "host:-1", ""])
    func rejectsMalformedAddresses(text: String) {
        #expect(ListenAddress(parsing: text) == nil)
    }

    @Test func describesIPv6WithBrackets() {
        #expect(ListenAddress(host: "::1", port: 80).description == "[::1]:80")
        #expect(ListenAddress(host: "127.0.0.1", port: 80).description == "127.0.0.1:80")
    }
}
