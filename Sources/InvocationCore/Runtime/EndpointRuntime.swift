import FeatureStore
import Foundation
import ModelClient
import Synchronization

/// A variant as requests see it: its configuration, backends and metrics.
package final class VariantRuntime: Sendable {
    package let configuration: VariantConfiguration
    package let backends: [Backend]
    package let metrics: VariantMetrics
    /// Shadow copies in flight, to bound the work a slow shadow variant can pile up.
    package let shadowInFlight = Atomic<Int>(0)
    /// How a shadow variant's answers compare with production's (nil for a production variant).
    package let shadowStatistics: ShadowStatistics?
    /// The mapping templates that apply to this variant, per store revision.
    package let templateScope = TemplateScopeCache()

    package var name: String { configuration.name }

    package init(
        endpoint: String, configuration: VariantConfiguration, registry: BackendRegistry,
        shadowComparisons: ShadowComparisons? = nil
    ) {
        self.configuration = configuration
        self.backends = configuration.backends.map(registry.backend(for:))
        self.metrics = VariantMetrics(endpoint: endpoint, variant: configuration.name)
        self.shadowStatistics =
            configuration.shadow
            ? (shadowComparisons ?? ShadowComparisons()).statistics(endpoint: endpoint, variant: configuration.name)
            : nil
    }

    /// Whether any backend could take a request now.
    package func isAvailable(now: ContinuousClock.Instant) -> Bool {
        backends.contains { $0.isAvailable(now: now) }
    }
}

/// An endpoint as requests see it, built from one configuration.
package final class EndpointRuntime: Sendable {
    package let configuration: EndpointConfiguration
    package let router: VariantRouter
    /// Production variants, in the router's order.
    package let production: [VariantRuntime]
    /// Shadow variants, in the router's order.
    package let shadows: [VariantRuntime]
    /// Metrics for answers given before a variant was chosen (validation, auth, routing errors).
    package let unroutedMetrics: VariantMetrics
    package let retryBudget = Mutex(RetryBudget())
    /// Feature enrichment, when the endpoint configures it.
    package let enricher: Enricher?

    package var name: String { configuration.name }

    package init(
        configuration: EndpointConfiguration, registry: BackendRegistry, features: FeatureService?,
        shadowComparisons: ShadowComparisons? = nil
    ) throws(FeatureStoreError) {
        self.configuration = configuration
        self.router = VariantRouter(endpoint: configuration)
        self.production = configuration.productionVariants.map {
            VariantRuntime(endpoint: configuration.name, configuration: $0, registry: registry)
        }
        self.shadows = configuration.shadowVariants.map {
            VariantRuntime(
                endpoint: configuration.name, configuration: $0, registry: registry,
                shadowComparisons: shadowComparisons)
        }
        self.unroutedMetrics = VariantMetrics(endpoint: configuration.name, variant: "")
        if let features, !configuration.enrich.isEmpty {
            self.enricher = try Enricher(service: features, rules: configuration.enrich.map(\.rule))
        } else {
            self.enricher = nil
        }
    }

    /// Every backend of every variant, without duplicates.
    package var allBackends: [Backend] {
        var seen = Set<ObjectIdentifier>()
        return (production + shadows).flatMap(\.backends).filter { seen.insert(ObjectIdentifier($0)).inserted }
    }
}

/// Everything a request needs, from one configuration; swapped whole on reload.
package struct GatewaySnapshot: Sendable {
    package let configuration: GatewayConfiguration
    package let endpoints: [String: EndpointRuntime]
    package let generation: Int

    package init(
        configuration: GatewayConfiguration, registry: BackendRegistry, features: FeatureService?, generation: Int,
        shadowComparisons: ShadowComparisons? = nil
    ) throws(ConfigurationError) {
        self.configuration = configuration
        self.generation = generation
        var endpoints: [String: EndpointRuntime] = [:]
        for (index, endpoint) in configuration.endpoints.enumerated() {
            do {
                endpoints[endpoint.name] = try EndpointRuntime(
                    configuration: endpoint, registry: registry, features: features,
                    shadowComparisons: shadowComparisons)
            } catch {
                throw ConfigurationError(
                    file: configuration.sourceFile?.path ?? "", line: endpoint.enrich.first?.line,
                    key: "endpoint[\(index)].enrich", message: error.description)
            }
        }
        self.endpoints = endpoints
    }
}
