import FeatureStore
import Foundation
import Hummingbird
import InvocationCore

extension AdminAPI {
    /// Adds the feature store operations to the admin group (behind the admin token):
    ///
    /// - `GET /admin/features`: whether a feature store is configured, warm-up state and the views;
    /// - `GET /admin/features/{view}/entities/{entity}`: one entity's features as an invocation would get them
    ///   (composite entities with their parts joined by `|`), with where they came from (cache, Redis, defaults).
    ///
    /// Cache hit rates are the `mlgateway_feature_cache_*` counters of `/metrics`, so they are not repeated here.
    static func addFeatureRoutes(to admin: RouterGroup<GatewayRequestContext>, runtime: GatewayRuntime) {
        admin.get("features") { _, _ in try KeyAdminAPI.json(.ok, FeaturesDocument(runtime.features)) }
        admin.get("features/:view/entities/:entity") { _, context in
            guard let service = runtime.features else {
                throw GatewayError(
                    code: .resourceNotFound, status: .notFound, message: "No [feature_store] is configured.")
            }
            let view = try context.segment("view")
            let entity = try context.segment("entity")
            guard service.view(named: view) != nil else {
                throw GatewayError(
                    code: .resourceNotFound, status: .notFound, message: "No feature view named \"\(view)\".")
            }
            let lookup: FeatureLookup
            do throws(FeatureStoreError) {
                lookup = try await service.lookup(view: view, entity: entity)
            } catch {
                throw GatewayError(error)
            }
            return try KeyAdminAPI.json(.ok, EntityDocument(lookup))
        }
    }
}

/// `GET /admin/features`.
struct FeaturesDocument: Encodable {
    struct View: Encodable {
        let name: String
        let entityKeys: [String]
        let features: [String]
        let cacheTtlSeconds: Double
        let maxAgeSeconds: Double?
        let defaults: [String: String]
        let warmup: Warmup?

        enum CodingKeys: String, CodingKey {
            case name, features, defaults, warmup
            case entityKeys = "entity_keys"
            case cacheTtlSeconds = "cache_ttl_seconds"
            case maxAgeSeconds = "max_age_seconds"
        }
    }

    struct Warmup: Encodable {
        /// `keys_file` or `scan`.
        let source: String
        let deadlineSeconds: Double
        /// Entities loaded by the last finished warm-up; nil before it finished.
        let keysLoaded: Int?
        /// `completed`, `deadline_exceeded` or `failed: <reason>`; nil before it finished.
        let outcome: String?

        enum CodingKeys: String, CodingKey {
            case source, outcome
            case deadlineSeconds = "deadline_seconds"
            case keysLoaded = "keys_loaded"
        }
    }

    let configured: Bool
    let warm: Bool
    let warmupKeysLoaded: Int
    let views: [View]

    enum CodingKeys: String, CodingKey {
        case configured, warm, views
        case warmupKeysLoaded = "warmup_keys_loaded"
    }

    init(_ service: FeatureService?) {
        configured = service != nil
        warm = service?.isWarm ?? true
        warmupKeysLoaded = service?.warmupKeysLoaded ?? 0
        let report = service?.lastWarmupReport
        views = (service?.viewNames ?? []).compactMap { service?.view(named: $0) }.map { view in
            let done = report?.views.first { $0.name == view.name }
            return View(
                name: view.name, entityKeys: view.entityKeys, features: view.features,
                cacheTtlSeconds: view.cacheTTL.seconds, maxAgeSeconds: view.maxAge?.seconds, defaults: view.defaults,
                warmup: view.warmup.map { warmup in
                    let source =
                        switch warmup.source {
                        case .keysFile: "keys_file"
                        case .scan: "scan"
                        }
                    let outcome: String? =
                        switch done?.outcome {
                        case .completed: "completed"
                        case .deadlineExceeded: "deadline_exceeded"
                        case .failed(let reason): "failed: \(reason)"
                        case nil: nil
                        }
                    return Warmup(
                        source: source, deadlineSeconds: warmup.deadline.seconds, keysLoaded: done?.keysLoaded,
                        outcome: outcome)
                })
        }
    }
}

/// `GET /admin/features/{view}/entities/{entity}`: values by feature name (null when missing without a default).
struct EntityDocument: Encodable {
    let view: String
    let entity: String?
    let source: String
    let features: [String: String?]

    init(_ lookup: FeatureLookup) {
        view = lookup.view
        entity = lookup.entity
        source = lookup.source.rawValue
        features = Dictionary(uniqueKeysWithValues: zip(lookup.features, lookup.values))
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
