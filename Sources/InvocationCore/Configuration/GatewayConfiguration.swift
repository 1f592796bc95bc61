import DataCapture
import FeatureStore
import Foundation
import ModelClient

/// The whole gateway configuration, read from `gateway.conf` (TOML).
///
/// Everything here is immutable once loaded; a reload builds a new value and swaps it in atomically.
public struct GatewayConfiguration: Sendable {
    /// Listener addresses, state directory and process-wide settings (`[server]`).
    public var server: ServerConfiguration
    /// The endpoints clients can invoke (`[[endpoint]]`), in file order.
    public var endpoints: [EndpointConfiguration]
    /// The Redis online feature store (`[feature_store]`), if enrichment is used.
    public var featureStore: FeatureStoreConfiguration?
    /// Feature views (`[[feature_view]]`).
    public var featureViews: [FeatureViewConfiguration] = []
    /// The file this configuration was read from, if any.
    public var sourceFile: URL?
    /// Asynchronous invocations (`[async]`); `nil` leaves `async-invocations` disabled.
    public var asyncInvocations: AsyncConfiguration?
    /// Credential checks (`[auth]`): master key file, SigV4 regions, session tokens, clock skew.
    public var auth = AuthConfiguration()
    /// `[tracing]`; nil traces nothing.
    public var tracing: TracingConfiguration?
    /// `[rate_limit]`; nil counts rate limits and quotas in this process (applies at restart).
    public var rateLimit: RateLimitConfiguration?
    /// `[state]`; nil keeps keys and templates in SQLite in `state_dir` (applies at restart).
    public var state: StateConfiguration?
    /// `[object_store]`; nil rejects `s3://` locations.
    public var objectStore: ObjectStoreConfiguration?
    /// `[notifications]`; nil sends no events (applies at restart).
    public var notifications: NotificationConfiguration?

    /// Creates a configuration.
    public init(server: ServerConfiguration, endpoints: [EndpointConfiguration], sourceFile: URL? = nil) {
        self.server = server
        self.endpoints = endpoints
        self.sourceFile = sourceFile
    }

    /// The endpoint called `name`, if configured.
    public func endpoint(named name: String) -> EndpointConfiguration? {
        endpoints.first { $0.name == name }
    }
}

/// A `host:port` pair for a listener.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// Host name or IP address to bind.
    public var host: String
    /// TCP port; 0 asks the system for a free one.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 as `[::1]:8080`); `nil` when malformed.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// How answered requests are logged when `access_log` is on.
public enum AccessLogFormat: String, Sendable, Equatable, CaseIterable {
    /// An `info` line of the process log ("Request served"), on standard error.
    case text
    /// One JSON object per request on standard output, for log shippers: request id, trace id, endpoint, variant,
    /// status, key id, duration and the duration of each stage of an invocation.
    case json
}

/// Process-wide settings (`[server]`).
public struct ServerConfiguration: Sendable, Equatable {
    /// Client API listener (`listen`).
    public var listen: ListenAddress
    /// Admin API and `/metrics` listener (`admin_listen`).
    public var adminListen: ListenAddress
    /// The Open Inference Protocol's gRPC listener (`grpc_listen`, plaintext HTTP/2); `nil` serves no gRPC.
    public var grpcListen: ListenAddress?
    /// Directory for the SQLite database and other state (`state_dir`), resolved against the config file.
    public var stateDirectory: URL
    /// Largest accepted request body (`max_body_bytes`, default 6 MiB as SageMaker).
    public var maxBodyBytes: Int
    /// How long in-flight requests may take to finish on shutdown (`drain_timeout`).
    public var drainTimeout: Duration
    /// How long readiness answers 503 before the listeners stop accepting connections (`shutdown_delay`), so that
    /// load balancers stop sending traffic first.
    public var shutdownDelay: Duration
    /// Account id shown in AWS-style messages (`account_id`).
    public var accountID: String
    /// This process's name in a fleet (`replica_id`; default `MLGATEWAY_REPLICA_ID`, else `HOSTNAME`, which is the
    /// pod's name in Kubernetes, else the host name): part of every capture file's name, so that replicas writing to
    /// one bucket never write the same object.
    public var replicaID = ServerConfiguration.defaultReplicaID()
    /// Token that protects the admin API (`admin_token`, or env `MLGATEWAY_ADMIN_TOKEN`); `nil` leaves it open.
    public var adminToken: String?
    /// Minimum log level (`log_level`).
    public var logLevel: String
    /// Event loop threads (`threads`); `nil` uses one per CPU the process may run on.
    public var threads: Int?
    /// Whether the client API logs one line per answered request (`access_log`).
    public var accessLog: Bool = false
    /// The access log's form (`access_log = "text"` or `"json"`; `true` is text).
    public var accessLogFormat: AccessLogFormat = .text
    /// How long a client connection may sit idle between requests, or reading a request, before the gateway closes
    /// it (`client_idle_timeout`); `nil` (`"0s"`) keeps idle connections open. A request waiting for its answer is
    /// never cut.
    public var clientIdleTimeout: Duration? = .seconds(75)
    /// The most time a request may take to arrive, from its head to its last body byte
    /// (`request_receive_timeout`); past it the gateway answers 408 `RequestTimeout` if it has not answered yet, and
    /// closes the connection. `nil` (`"0s"`) lets a request trickle in for as long as it keeps sending.
    public var requestReceiveTimeout: Duration? = .seconds(60)
    /// The most client connections open at once (`max_connections`); `nil` derives it from the process's file
    /// descriptor limit. Connections over it are closed as soon as they are accepted.
    public var maxConnections: Int?

    /// Creates server settings.
    public init(
        listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8080),
        adminListen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 8081),
        stateDirectory: URL = URL(fileURLWithPath: "var"),
        maxBodyBytes: Int = 6 * 1024 * 1024,
        drainTimeout: Duration = .seconds(30),
        shutdownDelay: Duration = .zero,
        accountID: String = "000000000000",
        adminToken: String? = nil,
        logLevel: String = "info"
    ) {
        self.listen = listen
        self.adminListen = adminListen
        self.stateDirectory = stateDirectory
        self.maxBodyBytes = maxBodyBytes
        self.drainTimeout = drainTimeout
        self.shutdownDelay = shutdownDelay
        self.accountID = accountID
        self.adminToken = adminToken
        self.logLevel = logLevel
    }
}

extension ServerConfiguration {
    /// The replica id from the environment, reduced to the characters a file name keeps (`A-Z a-z 0-9 . _ -`).
    package static func defaultReplicaID(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        hostName: @autoclosure () -> String = ProcessInfo.processInfo.hostName
    ) -> String {
        let raw = environment["MLGATEWAY_REPLICA_ID"] ?? environment["HOSTNAME"] ?? hostName()
        return replicaID(raw) ?? "gateway"
    }

    /// `text` if it is a usable replica id (1–63 of `A-Z a-z 0-9 . _ -`, not starting with `.`), else nil.
    package static func replicaID(_ text: String) -> String? {
        guard (1...63).contains(text.count), !text.hasPrefix("."),
            text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") })
        else { return nil }
        return text
    }
}

/// How clients of an endpoint authenticate (`auth`).
public enum AuthMode: String, Sendable, Equatable, CaseIterable {
    /// No authentication.
    case none
    /// `x-api-key` or `Authorization: Bearer` API key.
    case apiKey = "api_key"
    /// AWS Signature Version 4.
    case sigv4
    /// API key or SigV4.
    case any
}

/// One endpoint (`[[endpoint]]`).
public struct EndpointConfiguration: Sendable {
    /// Name used in `/endpoints/{name}/invocations`.
    public var name: String
    /// Authentication mode.
    public var auth: AuthMode
    /// Production and shadow variants, in file order.
    public var variants: [VariantConfiguration]
    /// Backend call settings shared by the endpoint's variants.
    public var backend: BackendSettings
    /// Feature enrichment rules (`[[endpoint.enrich]]`), applied in order before the request template.
    public var enrich: [EnrichmentConfiguration] = []
    /// Data capture (`[endpoint.capture]`); nil when the endpoint captures nothing.
    public var capture: CaptureConfiguration?
    /// Where closed capture files are uploaded (`[endpoint.capture] upload`), in SageMaker's key layout under it:
    /// `{prefix}/{endpoint}/{variant}/yyyy/mm/dd/hh/{file}`.
    public var captureUpload: S3Location?
    /// Live drift of the inputs against a baseline (`[endpoint.drift]`).
    public var drift: DriftConfiguration?
    /// Mapping templates, pass-through behaviour and stage variables (see ``TemplateConfiguration``).
    public var templates = TemplateConfiguration()

    /// Creates an endpoint.
    public init(
        name: String, auth: AuthMode = .none, variants: [VariantConfiguration], backend: BackendSettings = .init()
    ) {
        self.name = name
        self.auth = auth
        self.variants = variants
        self.backend = backend
    }

    /// Variants that serve client traffic.
    public var productionVariants: [VariantConfiguration] { variants.filter { !$0.shadow } }
    /// Variants that receive copies of the traffic.
    public var shadowVariants: [VariantConfiguration] { variants.filter(\.shadow) }
}

/// One production or shadow variant (`[[endpoint.variant]]`).
public struct VariantConfiguration: Sendable, Equatable {
    /// Variant name, returned in `x-Amzn-Invoked-Production-Variant`.
    public var name: String
    /// Routing weight: a production variant gets weight / sum of weights of the traffic; a shadow variant gets a
    /// copy of weight / sum of production weights of it (capped at all of it).
    public var weight: Double
    /// Model server base URLs (`http://host:port`).
    public var backends: [URL]
    /// Whether this variant only receives copies whose answers are discarded.
    public var shadow: Bool
    /// The protocol its backends speak and whether they host many models (`protocol`, `multi_model`, …).
    public var protocolOptions = VariantProtocolOptions()
    /// Variant-specific mapping templates, over the endpoint's (production variants only).
    public var templates = TemplateConfiguration()

    /// Creates a variant.
    public init(name: String, weight: Double = 1, backends: [URL], shadow: Bool = false) {
        self.name = name
        self.weight = weight
        self.backends = backends
        self.shadow = shadow
    }
}
