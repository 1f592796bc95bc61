import Crypto
import Foundation
import GatewayAuth
import Hummingbird
import InvocationCore
import WireFormats

/// The admin router: `/metrics`, health probes, its OpenAPI document, the console and the `/admin/…` operations
/// behind the admin token.
enum AdminAPI {
    /// Builds the router of the admin listener.
    static func router(runtime: GatewayRuntime, readiness: Readiness) -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: .init(bytes: GatewayMetrics.exposition())))
        }
        router.get("healthz") { _, _ in HealthAPI.json(status: .ok, #"{"status":"ok"}"#) }
        router.get("readyz") { _, _ in HealthAPI.readiness(readiness) }
        router.get("openapi.json") { _, _ in BuiltInAssets.adminDocument.response }
        BuiltInAssets.addConsoleRoutes(to: router)
        let admin = router.group("admin").add(middleware: AdminTokenMiddleware(runtime: runtime))
        admin.post("reload") { _, _ in
            do {
                let generation = try runtime.reload()
                return HealthAPI.json(status: .ok, "{\"status\":\"reloaded\",\"generation\":\(generation)}")
            } catch let error as ConfigurationError {
                throw GatewayError(code: .invalidConfiguration, status: .badRequest, message: error.description)
            }
        }
        admin.get("endpoints") { _, _ in
            HealthAPI.json(status: .ok, endpointsJSON(runtime.current, stateStore: stateStoreJSON(runtime)))
        }
        admin.get("shadows") { request, _ in
            let endpoint = request.uri.queryParameters["endpoint"].map(String.init)
            let snapshot = runtime.current
            if let endpoint, snapshot.endpoints[endpoint] == nil {
                throw GatewayError(
                    code: .resourceNotFound, status: .notFound, message: "No endpoint named \"\(endpoint)\".")
            }
            return HealthAPI.json(status: .ok, runtime.shadowComparisons.json(for: snapshot, endpoint: endpoint))
        }
        admin.get("drift") { _, _ in
            HealthAPI.json(
                status: .ok, "{\"windows\":[\(runtime.liveDrift.reports.map(\.json).joined(separator: ","))]}")
        }
        addTemplateRoutes(to: admin, runtime: runtime)
        addKeyRoutes(to: admin, runtime: runtime)
        addFeatureRoutes(to: admin, runtime: runtime)
        addMonitorRoutes(to: admin, runtime: runtime)
        return router
    }

    /// Where keys and templates are kept, and whether that store answers.
    static func stateStoreJSON(_ runtime: GatewayRuntime) -> String {
        guard let store = runtime.stateStore else {
            let path = runtime.configuration.server.stateDirectory.appendingPathComponent(KeyStore.fileName).path
            return "{\"kind\":\"sqlite\",\"location\":\(JSONText.quoted(path)),\"reachable\":true}"
        }
        let error = store.unreachableReason.map(JSONText.quoted) ?? "null"
        return "{\"kind\":\"postgres\",\"location\":\(JSONText.quoted(store.location.redacted)),"
            + "\"reachable\":\(store.isReachable),\"error\":\(error)}"
    }

    /// Endpoints, variants, the live state of each backend, data capture's settings (null when off), and the state
    /// store.
    static func endpointsJSON(_ snapshot: GatewaySnapshot, stateStore: String) -> String {
        let now = ContinuousClock.now
        let endpoints = snapshot.configuration.endpoints.compactMap { snapshot.endpoints[$0.name] }.map { endpoint in
            let variants = (endpoint.production + endpoint.shadows).map { variant in
                let backends = variant.backends.map { backend in
                    let circuit: String
                    switch backend.breakerState {
                    case .closed: circuit = "closed"
                    case .open: circuit = backend.isAvailable(now: now) ? "half_open" : "open"
                    case .halfOpen: circuit = "half_open"
                    }
                    return "{\"url\":\(JSONText.quoted(backend.baseURL)),\"healthy\":\(backend.isHealthy),"
                        + "\"circuit\":\"\(circuit)\",\"outstanding\":\(backend.outstanding)}"
                }
                return "{\"name\":\(JSONText.quoted(variant.name)),\"weight\":\(variant.configuration.weight),"
                    + "\"shadow\":\(variant.configuration.shadow),\"backends\":[\(backends.joined(separator: ","))]}"
            }
            let capture = endpoint.configuration.capture.map { capture in
                "{\"enabled\":\(capture.enabled),\"sampling_percentage\":\(capture.samplingPercentage),"
                    + "\"capture_input\":\(capture.captureInput),\"capture_output\":\(capture.captureOutput),"
                    + "\"destination\":\(JSONText.quoted(capture.destination.path))}"
            }
            return "{\"name\":\(JSONText.quoted(endpoint.name)),\"auth\":\"\(endpoint.configuration.auth.rawValue)\","
                + "\"variants\":[\(variants.joined(separator: ","))],\"capture\":\(capture ?? "null")}"
        }
        return "{\"generation\":\(snapshot.generation),\"endpoints\":[\(endpoints.joined(separator: ","))],"
            + "\"state_store\":\(stateStore)}"
    }
}

/// Requires `Authorization: Bearer <admin_token>` when an admin token is configured.
struct AdminTokenMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let runtime: GatewayRuntime

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let token = runtime.configuration.server.adminToken else { return try await next(request, context) }
        let presented = request.headers[.authorization].flatMap { value in
            value.hasPrefix("Bearer ") ? String(value.dropFirst(7)) : nil
        }
        guard let presented else {
            throw GatewayError(
                code: .missingAuthenticationToken, status: .forbidden,
                message: "The admin API needs an Authorization: Bearer <admin token> header.")
        }
        guard Self.constantTimeEqual(presented, token) else {
            throw GatewayError(code: .accessDenied, status: .forbidden, message: "The admin token is not valid.")
        }
        return try await next(request, context)
    }

    /// Compares two secrets without leaking where they differ.
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let left = SHA256.hash(data: Data(lhs.utf8))
        let right = SHA256.hash(data: Data(rhs.utf8))
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
