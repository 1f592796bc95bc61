import DataCapture
import FeatureStore
import Foundation
import ModelClient
import NIOCore
import TOMLKit

extension GatewayConfiguration {
    /// Reads and validates a configuration file.
    ///
    /// - Throws: ``ConfigurationError`` naming the file, line and key of the first problem.
    public static func load(
        contentsOf file: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> GatewayConfiguration {
        let url = URL(fileURLWithPath: file)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigurationError(
                file: file, line: nil, key: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, file: file, baseDirectory: url.deletingLastPathComponent(), environment: environment)
    }

    /// Parses configuration text; relative paths are resolved against `baseDirectory`.
    public static func parse(
        _ text: String,
        file: String = "gateway.conf",
        baseDirectory: URL,
        environment: [String: String] = [:]
    ) throws(ConfigurationError) -> GatewayConfiguration {
        if let problem = TOMLPreflight.firstProblem(in: text) {
            throw ConfigurationError(
                file: file, line: problem.line, key: "", message: "TOML syntax error: \(problem.message)")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: file, line: error.source.begin.line, key: "", message: "TOML syntax error: \(error.description)")
        } catch {
            throw ConfigurationError(file: file, line: nil, key: "", message: "TOML syntax error: \(error)")
        }
        let context = ConfigContext(file: file, baseDirectory: baseDirectory, sourceMap: TOMLSourceMap(text: text))
        var table = ConfigTable(table: root, path: "", context: context)
        var server = ServerConfiguration(stateDirectory: baseDirectory.appendingPathComponent("var"))
        if var serverTable = try table.table("server") {
            server = try ServerConfiguration(reading: &serverTable)
            try serverTable.finish()
        }
        if let token = environment["MLGATEWAY_ADMIN_TOKEN"], !token.isEmpty { server.adminToken = token }
        let auth = try AuthConfiguration(readingTableIn: &table)
        var featureStore: FeatureStoreConfiguration?
        if var storeTable = try table.table("feature_store") {
            featureStore = try FeatureStoreConfiguration(reading: &storeTable)
            try storeTable.finish()
        }
        var featureViews: [FeatureViewConfiguration] = []
        for var viewTable in try table.tableArray("feature_view") {
            let view = try FeatureViewConfiguration(reading: &viewTable, store: featureStore)
            if featureViews.contains(where: { $0.name == view.name }) {
                throw viewTable.error("name", "feature view \"\(view.name)\" is declared twice")
            }
            try viewTable.finish()
            featureViews.append(view)
        }
        for view in featureStore?.feastRepository?.views ?? []
        where view.unsupported == nil && !featureViews.contains(where: { $0.name == view.name }) {
            featureViews.append(FeatureViewConfiguration(feast: view))
        }
        var endpoints: [EndpointConfiguration] = []
        for var endpointTable in try table.tableArray("endpoint") {
            let endpoint = try EndpointConfiguration(reading: &endpointTable, stateDirectory: server.stateDirectory)
            if endpoints.contains(where: { $0.name == endpoint.name }) {
                throw endpointTable.error("name", "endpoint \"\(endpoint.name)\" is declared twice")
            }
            try endpointTable.finish()
            for rule in endpoint.enrich {
                guard let view = featureViews.first(where: { $0.name == rule.rule.view }) else {
                    throw ConfigurationError(
                        file: file, line: rule.line, key: "\(rule.keyPath).view",
                        message: "no [[feature_view]] named \"\(rule.rule.view)\"")
                }
                guard rule.rule.keys.count == view.entityKeys.count else {
                    throw ConfigurationError(
                        file: file, line: rule.line, key: "\(rule.keyPath).key",
                        message: "gives \(rule.rule.keys.count) key(s) but view \"\(view.name)\" has an entity key of "
                            + "\(view.entityKeys.count) part(s): \(view.entityKeys.joined(separator: ", "))")
                }
            }
            if featureStore == nil, !endpoint.enrich.isEmpty {
                throw endpointTable.error("enrich", "enrichment needs a [feature_store] table")
            }
            endpoints.append(endpoint)
        }
        var tracing: TracingConfiguration?
        if var tracingTable = try table.table("tracing") {
            tracing = try TracingConfiguration(reading: &tracingTable)
            try tracingTable.finish()
        }
        var rateLimit: RateLimitConfiguration?
        if var rateLimitTable = try table.table("rate_limit") {
            rateLimit = try RateLimitConfiguration(reading: &rateLimitTable)
            try rateLimitTable.finish()
        }
        var state: StateConfiguration?
        if var stateTable = try table.table("state") {
            state = try StateConfiguration(reading: &stateTable)
            try stateTable.finish()
        }
        var objectStore: ObjectStoreConfiguration?
        if var objectStoreTable = try table.table("object_store") {
            objectStore = try ObjectStoreConfiguration(reading: &objectStoreTable)
            try objectStoreTable.finish()
        }
        var notifications: NotificationConfiguration?
        if var notificationsTable = try table.table("notifications") {
            notifications = try NotificationConfiguration(reading: &notificationsTable)
            try notificationsTable.finish()
        }
        var asyncInvocations: AsyncConfiguration?
        if var asyncTable = try table.table("async") {
            asyncInvocations = try AsyncConfiguration(
                reading: &asyncTable, stateDirectory: server.stateDirectory, objectStore: objectStore)
            try asyncTable.finish()
        }
        if objectStore == nil, let index = endpoints.firstIndex(where: { $0.captureUpload != nil }) {
            throw ConfigurationError(
                file: file, line: nil, key: "endpoint[\(index)].capture.upload",
                message: "uploading capture files needs an [object_store] table (its endpoint and region)")
        }
        try table.finish()
        var configuration = GatewayConfiguration(
            server: server, endpoints: endpoints, sourceFile: URL(fileURLWithPath: file))
        configuration.asyncInvocations = asyncInvocations
        configuration.featureStore = featureStore
        configuration.featureViews = featureViews
        configuration.auth = auth
        configuration.tracing = tracing
        configuration.rateLimit = rateLimit
        configuration.state = state
        configuration.objectStore = objectStore
        configuration.notifications = notifications
        return configuration
    }
}

extension ServerConfiguration {
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        self.init(stateDirectory: table.context.url(forPath: "var"))
        if let listen = try table.string("listen") {
            guard let address = ListenAddress(parsing: listen) else {
                throw table.error("listen", "must be \"host:port\"")
            }
            self.listen = address
        }
        if let listen = try table.string("admin_listen") {
            guard let address = ListenAddress(parsing: listen) else {
                throw table.error("admin_listen", "must be \"host:port\"")
            }
            self.adminListen = address
        }
        if let listen = try table.string("grpc_listen") {
            // grpc-swift's listener binds an IP address, not a name ("localhost" is taken as 127.0.0.1).
            guard var address = ListenAddress(parsing: listen) else {
                throw table.error("grpc_listen", "must be \"host:port\"")
            }
            if address.host == "localhost" { address.host = "127.0.0.1" }
            guard (try? SocketAddress(ipAddress: address.host, port: address.port)) != nil else {
                throw table.error("grpc_listen", "must be an IP address and port, such as \"0.0.0.0:8082\"")
            }
            self.grpcListen = address
        }
        if let directory = try table.string("state_dir") {
            self.stateDirectory = table.context.url(forPath: directory)
        }
        if let bytes = try table.int("max_body_bytes", range: 1...(64 * 1024 * 1024)) { self.maxBodyBytes = bytes }
        if let drain = try table.duration("drain_timeout") { self.drainTimeout = drain }
        if let delay = try table.duration("shutdown_delay") { self.shutdownDelay = delay }
        if let account = try table.string("account_id") { self.accountID = account }
        if let replica = try table.string("replica_id") {
            guard let valid = ServerConfiguration.replicaID(replica) else {
                throw table.error(
                    "replica_id", "must be 1 to 63 letters, digits, '.', '_' or '-', not starting with '.'")
            }
            self.replicaID = valid
        }
        if let token = try table.string("admin_token") { self.adminToken = token.isEmpty ? nil : token }
        threads = try table.int("threads", range: 1...256)
        if let connections = try table.int("max_connections", range: 1...10_000_000) {
            self.maxConnections = connections
        }
        if let value = table.value("access_log") {
            if let on = value.bool {
                self.accessLog = on
            } else if let text = value.string, let format = AccessLogFormat(rawValue: text) {
                self.accessLog = true
                self.accessLogFormat = format
            } else {
                throw table.error("access_log", "must be true, false, \"text\" or \"json\"")
            }
        }
        if let timeout = try table.duration("client_idle_timeout") {
            self.clientIdleTimeout = timeout == .zero ? nil : timeout
        }
        if let timeout = try table.duration("request_receive_timeout") {
            self.requestReceiveTimeout = timeout == .zero ? nil : timeout
        }
        if let level = try table.string("log_level") {
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(level) else {
                throw table.error("log_level", "must be one of \(levels.joined(separator: ", "))")
            }
            self.logLevel = level
        }
    }
}

extension EndpointConfiguration {
    package init(reading table: inout ConfigTable, stateDirectory: URL) throws(ConfigurationError) {
        let name = try table.requiredString("name")
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw table.error("name", "may contain only letters, digits, '-', '_' and '.'")
        }
        var auth = AuthMode.none
        if let mode = try table.string("auth") {
            guard let parsed = AuthMode(rawValue: mode) else {
                throw table.error(
                    "auth", "must be one of \(AuthMode.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            auth = parsed
        }
        let backend = try BackendSettings(reading: &table)
        var enrich: [EnrichmentConfiguration] = []
        for var ruleTable in try table.tableArray("enrich") {
            enrich.append(try EnrichmentConfiguration(reading: &ruleTable))
            try ruleTable.finish()
        }
        var variants: [VariantConfiguration] = []
        for var variantTable in try table.tableArray("variant") {
            let variant = try VariantConfiguration(reading: &variantTable)
            if variants.contains(where: { $0.name == variant.name }) {
                throw variantTable.error("name", "variant \"\(variant.name)\" is declared twice")
            }
            try variantTable.finish()
            variants.append(variant)
        }
        guard variants.contains(where: { !$0.shadow }) else {
            throw table.error(nil, "endpoint \"\(name)\" needs at least one production variant ([[endpoint.variant]])")
        }
        self.init(name: name, auth: auth, variants: variants, backend: backend)
        self.enrich = enrich
        let capture = try CaptureConfiguration.read(fromTableIn: &table, stateDirectory: stateDirectory)
        self.capture = capture?.capture
        self.captureUpload = capture?.upload
        self.drift = try DriftConfiguration.read(fromTableIn: &table)
        self.templates = try TemplateConfiguration(reading: &table)
    }
}

extension VariantConfiguration {
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        let name = try table.requiredString("name")
        let weight = try table.double("weight", range: 0...1_000_000) ?? 1
        let shadow = try table.bool("shadow") ?? false
        guard let urls = try table.stringArray("backends"), !urls.isEmpty else {
            throw table.error("backends", "needs at least one backend URL")
        }
        var backends: [URL] = []
        for text in urls {
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw table.error("backends", "\"\(text)\" is not an http(s)://host:port URL")
            }
            backends.append(url)
        }
        self.init(name: name, weight: weight, backends: backends, shadow: shadow)
        protocolOptions = try VariantProtocolOptions(reading: &table)
        self.templates = try TemplateConfiguration(reading: &table, shadow: shadow)
    }
}

extension BackendSettings {
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        self.init()
        if let value = try table.positiveDuration("connect_timeout") { connectTimeout = value }
        if let value = try table.positiveDuration("timeout") { timeout = value }
        if let value = try table.duration("idle_timeout") { idleTimeout = value }
        if let value = try table.int("max_retries", range: 0...10) { maxRetries = value }
        if var breaker = try table.table("circuit_breaker") {
            if let value = try breaker.int("failure_threshold", range: 1...10_000) { failureThreshold = value }
            if let value = try breaker.duration("open_duration") { openDuration = value }
            try breaker.finish()
        }
        if var health = try table.table("health_check") {
            if let value = try health.positiveDuration("interval") { healthCheckInterval = value }
            if let value = try health.positiveDuration("timeout") { healthCheckTimeout = value }
            if let value = try health.int("unhealthy_threshold", range: 1...100) { unhealthyThreshold = value }
            if let value = try health.int("healthy_threshold", range: 1...100) { healthyThreshold = value }
            try health.finish()
        }
    }
}
