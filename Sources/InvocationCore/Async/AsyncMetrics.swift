import Metrics

/// Metrics of asynchronous invocations, per endpoint.
package enum AsyncMetrics {
    /// Counts a queued invocation (`mlgateway_async_invocations_total`).
    package static func submitted(endpoint: String) {
        _ = GatewayMetrics.registry
        Counter(label: "mlgateway_async_invocations_total", dimensions: [("endpoint", endpoint)]).increment()
    }

    /// Counts a finished invocation by outcome (`mlgateway_async_completed_total`, outcome `succeeded`, `failed`,
    /// `expired`).
    package static func finished(endpoint: String, state: AsyncJob.State) {
        _ = GatewayMetrics.registry
        let outcome: String
        switch state {
        case .succeeded: outcome = "succeeded"
        case .expired: outcome = "expired"
        default: outcome = "failed"
        }
        Counter(label: "mlgateway_async_completed_total", dimensions: [("endpoint", endpoint), ("outcome", outcome)])
            .increment()
    }

    /// Counts a retry (`mlgateway_async_retries_total`).
    package static func retried(endpoint: String) {
        _ = GatewayMetrics.registry
        Counter(label: "mlgateway_async_retries_total", dimensions: [("endpoint", endpoint)]).increment()
    }
}
