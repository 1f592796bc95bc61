import Metrics

/// The metrics of one feature view (dimension `view`).
struct FeatureMetrics: Sendable {
    let cacheHits: Counter
    let cacheMisses: Counter
    let redisLatency: Timer
    let errors: Counter
    let stale: Counter
    let defaults: Counter
    let warmupKeys: Gauge

    init(view: String) {
        let dimensions = [("view", view)]
        cacheHits = Counter(label: "mlgateway_feature_cache_hits_total", dimensions: dimensions)
        cacheMisses = Counter(label: "mlgateway_feature_cache_misses_total", dimensions: dimensions)
        redisLatency = Timer(label: "mlgateway_feature_redis_seconds", dimensions: dimensions)
        errors = Counter(label: "mlgateway_feature_errors_total", dimensions: dimensions)
        stale = Counter(label: "mlgateway_feature_stale_total", dimensions: dimensions)
        defaults = Counter(label: "mlgateway_feature_defaults_total", dimensions: dimensions)
        warmupKeys = Gauge(label: "mlgateway_feature_warmup_keys", dimensions: dimensions)
    }
}
