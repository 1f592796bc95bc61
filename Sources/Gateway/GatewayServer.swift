import DataCapture
import FeatureStore
import Foundation
import Hummingbird
import HummingbirdCore
import InvocationCore
import Logging
import ModelClient
import NIOCore
import OTel
import ServiceLifecycle
import Tracing
import UnixSignals

/// The gateway process: client and admin listeners, health checks, reload on SIGHUP and graceful shutdown.
///
/// `run()` serves until SIGTERM or SIGINT, then: readiness turns 503, the listeners stop accepting connections,
/// in-flight requests finish (bounded by `drain_timeout`), and it returns.
public struct GatewayServer: Sendable {
    /// The configuration in force and its reload.
    public let runtime: GatewayRuntime
    /// What `/readyz` reports.
    public let readiness: Readiness
    let client: BackendClient
    let logger: Logger

    /// Creates a server for `configuration`.
    ///
    /// - Throws: ``ConfigurationError`` when the configuration cannot be put in force (e.g. an enrichment rule that
    ///   does not fit its feature view).
    public init(configuration: GatewayConfiguration, logger: Logger) throws(ConfigurationError) {
        // Bootstrap swift-metrics before any module creates its metrics (the feature store's are made just below).
        _ = GatewayMetrics.registry
        var features: FeatureService?
        if let store = configuration.featureStore {
            var featureLogger = logger
            featureLogger[metadataKey: "component"] = "features"
            do {
                features = try FeatureService(
                    configuration: store, views: configuration.featureViews, logger: featureLogger)
            } catch {
                throw ConfigurationError(
                    file: configuration.sourceFile?.path ?? "", line: nil, key: "feature_store",
                    message: error.description)
            }
        }
        self.runtime = try GatewayRuntime(configuration: configuration, features: features, logger: logger)
        self.readiness = Readiness()
        self.client = BackendClient()
        self.logger = logger
    }

    /// Serves until shutdown. `onListening` receives the bound client and admin ports (useful with port 0).
    public func run(onListening: @escaping @Sendable (_ client: Int, _ admin: Int) async -> Void = { _, _ in })
        async throws
    {
        let server = runtime.configuration.server
        let captureWriter = CaptureWriter(replicaID: server.replicaID, logger: logger)
        var pipeline = InvocationPipeline(
            runtime: runtime, client: client, captureWriter: captureWriter, logger: logger)
        var tracingService: (any Service)?
        if let tracing = runtime.configuration.tracing {
            let (tracer, service) = try Self.tracingBackend(tracing, logger: logger)
            pipeline.tracing = InvocationTracing(tracer: tracer, sampleRatio: tracing.sampleRatio)
            tracingService = service
        }
        let ports = ListeningPorts(onListening: onListening)
        let clientRouter = ClientAPI.router(pipeline: pipeline, readiness: readiness)
        let adminRouter = AdminAPI.router(runtime: runtime, readiness: readiness)
        let asyncWorkers = try AsyncWorkerPool.setUp(
            runtime: runtime, pipeline: pipeline, client: clientRouter, admin: adminRouter, logger: logger)
        let invocations = ClientConnectionHandler.Invocations(
            pipeline: pipeline, renderer: InvocationRenderer(runtime: runtime))
        let timeouts = ClientConnectionHandler.StateMachine.Timeouts(
            idle: server.clientIdleTimeout.map(TimeAmount.init),
            receive: server.requestReceiveTimeout.map(TimeAmount.init))
        let descriptors = ConnectionLimit.descriptorLimit()
        let clientLimit = ConnectionLimit(
            maximum: server.maxConnections ?? ConnectionLimit.defaultMaximum(descriptors: descriptors),
            listener: "client")
        let adminLimit = ConnectionLimit(maximum: ConnectionLimit.adminMaximum, listener: "admin")
        logger.info(
            "Connection limits",
            metadata: [
                "connections.client": "\(clientLimit.maximum)", "connections.admin": "\(adminLimit.maximum)",
                "connections.descriptors": "\(descriptors)",
            ])
        let clientApp = Application(
            router: clientRouter,
            server: .gatewayHTTP1 {
                ClientConnectionHandler(invocations: invocations, timeouts: timeouts, limit: clientLimit)
            },
            configuration: .init(address: .hostname(server.listen.host, port: server.listen.port)),
            onServerRunning: { await ports.bound(client: $0.localAddress?.port ?? 0) },
            logger: logger)
        let adminApp = Application(
            router: adminRouter,
            server: .gatewayHTTP1 { ClientConnectionHandler(invocations: nil, timeouts: timeouts, limit: adminLimit) },
            configuration: .init(address: .hostname(server.adminListen.host, port: server.adminListen.port)),
            onServerRunning: { await ports.bound(admin: $0.localAddress?.port ?? 0) },
            logger: logger)
        // The capture writer is first, so it stops last: after the listeners drained, with every record written;
        // the span exporter before it, so that the last spans are sent too.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // The shared state store stops last: the services that read and write it stop before it.
        if let stateStore = runtime.stateStore { services.append(.init(service: stateStore)) }
        if let tracingService { services.append(.init(service: tracingService)) }
        services.append(.init(service: captureWriter))
        services.append(.init(service: LiveDriftMonitor(runtime: runtime, logger: logger)))
        if runtime.configuration.objectStore != nil {
            services.append(.init(service: CaptureUploader(runtime: runtime, writer: captureWriter, logger: logger)))
        }
        if let features = runtime.features {
            readiness.begin(FeatureWarmup.readinessTask)
            services.append(.init(service: FeatureWarmup(service: features, readiness: readiness, logger: logger)))
        }
        if let asyncWorkers { services.append(.init(service: asyncWorkers)) }
        if KeyRefresher.needsKeys(runtime.configuration) { readiness.begin(KeyRefresher.readinessTask) }
        readiness.begin(TemplateRefresher.readinessTask)
        services += [
            .init(service: TemplateRefresher(registry: runtime.templates, readiness: readiness, logger: logger)),
            .init(service: KeyRefresher(runtime: runtime, readiness: readiness, logger: logger)),
            .init(service: HealthChecker(runtime: runtime, client: client, logger: logger)),
            .init(service: ReloadOnHangup(runtime: runtime, logger: logger)),
            .init(service: adminApp),
            .init(service: clientApp),
        ]
        if let address = server.grpcListen {
            let service = OpenInferenceGRPCService(
                pipeline: pipeline, readiness: readiness, models: OpenInferenceModels(pipeline: pipeline),
                renderer: InvocationRenderer(runtime: runtime))
            services.append(
                .init(
                    service: OpenInferenceGRPCServer(
                        address: address, service: service, maxMessageBytes: server.maxBodyBytes, logger: logger)))
        }
        services += [
            .init(
                service: DrainGate(readiness: readiness, delay: server.shutdownDelay, logger: logger),
                successTerminationBehavior: .ignore)
        ]
        var configuration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = server.drainTimeout
        configuration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: configuration)
        defer { runtime.registry.closeConnections() }
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        logger.info("Gateway stopped")
    }
}

extension GatewayServer {
    /// swift-otel's tracer and its exporting service for `[tracing]`: spans batched and sent over OTLP, every span
    /// the gateway starts recorded (it samples before starting them, ``InvocationTracing``). OpenTelemetry's
    /// `OTEL_*` environment variables still apply on top.
    static func tracingBackend(
        _ tracing: TracingConfiguration, logger: Logger
    ) throws -> (tracer: any Tracer, service: any Service) {
        var configuration = OTel.Configuration.default
        configuration.serviceName = tracing.serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.sampler = .alwaysOn
        configuration.traces.otlpExporter.endpoint = tracing.exportURL
        configuration.traces.otlpExporter.protocol = tracing.exportProtocol == .grpc ? .grpc : .httpProtobuf
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        return (backend.factory, backend.service)
    }
}

/// Reports the bound ports once both listeners are up.
private actor ListeningPorts {
    private var client: Int?
    private var admin: Int?
    private let onListening: @Sendable (Int, Int) async -> Void

    init(onListening: @escaping @Sendable (Int, Int) async -> Void) {
        self.onListening = onListening
    }

    func bound(client port: Int) async {
        client = port
        await report()
    }

    func bound(admin port: Int) async {
        admin = port
        await report()
    }

    private func report() async {
        guard let client, let admin else { return }
        await onListening(client, admin)
    }
}

/// Turns readiness to 503 when graceful shutdown begins, before the listeners stop.
///
/// Listed last in the service group, so it is the first service told to shut down.
struct DrainGate: Service {
    let readiness: Readiness
    /// Time between readiness turning 503 and the listeners closing.
    let delay: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        readiness.startDraining()
        logger.info("Draining: readiness is now 503", metadata: ["shutdown_delay": "\(delay)"])
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}

/// Reloads the configuration on SIGHUP.
struct ReloadOnHangup: Service {
    let runtime: GatewayRuntime
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try runtime.reload()
            } catch {
                logger.error(
                    "Configuration reload rejected; the previous configuration stays in force",
                    metadata: ["error": "\(error.description)"])
            }
        }
    }
}
