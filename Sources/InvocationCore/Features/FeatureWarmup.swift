import FeatureStore
import Logging
import ServiceLifecycle

/// Warms the feature cache at start while readiness reports 503 (the server marks ``readinessTask`` pending before
/// it starts listening), then keeps the Redis client until shutdown.
///
/// Listed first in the service group, so it is shut down last: in-flight requests can still read features.
package struct FeatureWarmup: Service {
    package static let readinessTask = "feature warm-up"

    package let service: FeatureService
    package let readiness: Readiness
    package let logger: Logger

    package func run() async throws {
        logger.info("Feature warm-up started")
        let report = await service.warmUp()
        readiness.finish(Self.readinessTask)
        logger.info(
            "Feature warm-up finished",
            metadata: [
                "keys_loaded": "\(report.keysLoaded)",
                "views":
                    "\(report.views.map { "\($0.name)=\($0.keysLoaded) (\($0.outcome))" }.joined(separator: ", "))",
            ])
        try? await gracefulShutdown()
        await service.shutdown()
    }

    package init(service: FeatureService, readiness: Readiness, logger: Logger) {
        self.service = service
        self.readiness = readiness
        self.logger = logger
    }
}
