import Logging
import ServiceLifecycle

/// Compares live windows every ``LiveDrift/interval`` (``LiveDrift/evaluate(_:now:)``), logs each window that
/// newly violates a constraint and sends it to the `[notifications]` webhook as a `Live Drift Violation` event (the
/// "drift detected → retrain" trigger).
package struct LiveDriftMonitor: Service {
    package let runtime: GatewayRuntime
    package let logger: Logger

    package init(runtime: GatewayRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    package func run() async {
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: LiveDrift.interval)) != nil {
                for report in runtime.liveDrift.evaluate(runtime.configuration) {
                    logger.warning(
                        "Live drift: a constraint is violated",
                        metadata: [
                            "endpoint": "\(report.endpoint)", "variant": "\(report.variant)",
                            "drift.rows": "\(report.rows)",
                            "drift.violations": "\(report.violations.map(\.featureName).joined(separator: ","))",
                        ])
                    runtime.notifier?.send(detailType: "Live Drift Violation", detail: report.json)
                }
            }
        }
    }
}
