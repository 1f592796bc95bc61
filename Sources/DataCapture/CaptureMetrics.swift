import Metrics
import Synchronization

/// Why a record was not written; the `reason` label of `mlgateway_capture_dropped_total`.
public enum CaptureDropReason: String, Sendable {
    /// The queue was full: the writer could not keep up (or the disk stalled).
    case queueFull = "queue_full"
    /// The writer had been shut down.
    case shutdown
    /// Creating or writing the file failed.
    case writeError = "write_error"
}

/// Metric handles for capture, cached per endpoint, variant and reason.
final class CaptureMetrics: Sendable {
    private struct DropKey: Hashable {
        var endpoint: String
        var variant: String
        var reason: CaptureDropReason
    }

    let queueDepth = Gauge(label: "mlgateway_capture_queue_depth")
    private let dropCounters = Mutex<[DropKey: Counter]>([:])

    /// Counts `count` dropped records.
    func dropped(endpoint: String, variant: String, reason: CaptureDropReason, count: Int = 1) {
        let key = DropKey(endpoint: endpoint, variant: variant, reason: reason)
        let counter = dropCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "mlgateway_capture_dropped_total",
                dimensions: [("endpoint", endpoint), ("variant", variant), ("reason", reason.rawValue)]
            )
            counters[key] = counter
            return counter
        }
        counter.increment(by: count)
    }

    /// The written-records counter of one endpoint and variant.
    func records(endpoint: String, variant: String) -> Counter {
        Counter(label: "mlgateway_capture_records_total", dimensions: [("endpoint", endpoint), ("variant", variant)])
    }

    /// The written-bytes counter of one endpoint and variant.
    func bytes(endpoint: String, variant: String) -> Counter {
        Counter(label: "mlgateway_capture_bytes_total", dimensions: [("endpoint", endpoint), ("variant", variant)])
    }

    /// The I/O error counter of one endpoint and variant.
    func writeErrors(endpoint: String, variant: String) -> Counter {
        Counter(
            label: "mlgateway_capture_write_errors_total", dimensions: [("endpoint", endpoint), ("variant", variant)])
    }
}
