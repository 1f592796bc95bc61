import Metrics
import Prometheus

/// The process-wide Prometheus registry behind swift-metrics, exposed on the admin listener's `/metrics`.
public enum GatewayMetrics {
    /// Histogram buckets for latencies: fine below a millisecond (the gateway's own overhead is tens of
    /// microseconds) up to SageMaker's 60 s model limit.
    package static let latencyBuckets: [Duration] = [
        .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]

    /// The registry; the first use bootstraps swift-metrics with it (once per process).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = latencyBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// The Prometheus text exposition of every metric.
    public static func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}

/// Metrics of one endpoint variant, named after SageMaker's CloudWatch metrics.
///
/// Created once per variant when a configuration is loaded, so a request touches no metric lookup.
package struct VariantMetrics: Sendable {
    /// `Invocations`.
    package let invocations: Metrics.Counter
    /// `Invocation4XXErrors`.
    package let errors4xx: Metrics.Counter
    /// `Invocation5XXErrors`.
    package let errors5xx: Metrics.Counter
    /// `InvocationModelErrors`.
    package let modelErrors: Metrics.Counter
    /// `ModelLatency`: time in the model container.
    package let modelLatency: Metrics.Timer
    /// `OverheadLatency`: time added by the gateway.
    package let overheadLatency: Metrics.Timer
    /// Shadow copies sent and failed.
    package let shadowInvocations: Metrics.Counter
    package let shadowErrors: Metrics.Counter

    package init(endpoint: String, variant: String) {
        let dimensions = [("endpoint", endpoint), ("variant", variant)]
        _ = GatewayMetrics.registry
        invocations = Metrics.Counter(label: "mlgateway_invocations_total", dimensions: dimensions)
        errors4xx = Metrics.Counter(label: "mlgateway_invocation_4xx_errors_total", dimensions: dimensions)
        errors5xx = Metrics.Counter(label: "mlgateway_invocation_5xx_errors_total", dimensions: dimensions)
        modelErrors = Metrics.Counter(label: "mlgateway_invocation_model_errors_total", dimensions: dimensions)
        modelLatency = Metrics.Timer(label: "mlgateway_model_latency_seconds", dimensions: dimensions)
        overheadLatency = Metrics.Timer(label: "mlgateway_overhead_latency_seconds", dimensions: dimensions)
        shadowInvocations = Metrics.Counter(label: "mlgateway_shadow_invocations_total", dimensions: dimensions)
        shadowErrors = Metrics.Counter(label: "mlgateway_shadow_errors_total", dimensions: dimensions)
    }

    /// Counts an answer by its status class.
    package func record(status: Int) {
        invocations.increment()
        if (400..<500).contains(status) { errors4xx.increment() } else if status >= 500 { errors5xx.increment() }
    }

    /// Records an answered invocation that started at `start` and spent `modelLatency` in the model.
    package func recordSuccess(start: ContinuousClock.Instant, modelLatency: Duration) {
        record(status: 200)
        self.modelLatency.recordNanoseconds(modelLatency.nanosecondCount)
        overheadLatency.recordNanoseconds((ContinuousClock.now - start - modelLatency).nanosecondCount)
    }

    /// Records a failed invocation answered with `error`.
    package func recordFailure(_ error: GatewayError) {
        record(status: Int(error.status.code))
        if error.code == "ModelError" { modelErrors.increment() }
    }
}
