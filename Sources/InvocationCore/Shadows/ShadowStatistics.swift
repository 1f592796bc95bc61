import Foundation
import Metrics
import Synchronization
import WireFormats

/// What a shadow variant's answers came to against production, since the gateway started: counts, the relative
/// differences of their numbers in decade buckets, and both sides' model latency. Fixed size whatever the traffic;
/// updated by the shadow copy's task, never on the request path. Kept across reloads (``ShadowComparisons``).
package final class ShadowStatistics: Sendable {
    /// Upper bounds of the decade buckets of the largest relative difference per compared answer: exactly 0, then
    /// 1e-12 … 1, then 2 (a relative difference is at most 2: numbers of opposite signs).
    package static let bucketBounds: [Double] = [
        0, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 2,
    ]

    struct Counts: Sendable {
        var compared = 0
        var statusMatches = 0
        var bodyMatches = 0
        var structureMatches = 0
        var agreements = 0
        var relativeBuckets = [Int](repeating: 0, count: ShadowStatistics.bucketBounds.count)
        var maxAbsoluteDifference = 0.0
        var productionLatencyNanoseconds: Int64 = 0
        var shadowLatencyNanoseconds: Int64 = 0
    }

    package let endpoint: String
    package let variant: String
    private let counts = Mutex(Counts())
    private let outcomes: (agree: Counter, statusMismatch: Counter, bodyMismatch: Counter)

    package init(endpoint: String, variant: String) {
        self.endpoint = endpoint
        self.variant = variant
        _ = GatewayMetrics.registry
        func counter(_ outcome: String) -> Counter {
            Counter(
                label: "mlgateway_shadow_comparisons_total",
                dimensions: [("endpoint", endpoint), ("variant", variant), ("outcome", outcome)])
        }
        outcomes = (counter("agree"), counter("status_mismatch"), counter("body_mismatch"))
    }

    /// Counts one comparison and the two answers' model latencies.
    package func record(_ comparison: ShadowComparison, productionLatency: Duration, shadowLatency: Duration) {
        let bucket =
            comparison.structureMatch
            ? (Self.bucketBounds.firstIndex { comparison.maxRelativeDifference <= $0 } ?? Self.bucketBounds.count - 1)
            : nil
        counts.withLock { counts in
            counts.compared += 1
            if comparison.statusMatch { counts.statusMatches += 1 }
            if comparison.bodyMatch { counts.bodyMatches += 1 }
            if comparison.structureMatch { counts.structureMatches += 1 }
            if comparison.agrees { counts.agreements += 1 }
            if let bucket { counts.relativeBuckets[bucket] += 1 }
            counts.maxAbsoluteDifference = max(counts.maxAbsoluteDifference, comparison.maxAbsoluteDifference)
            counts.productionLatencyNanoseconds += productionLatency.nanosecondCount
            counts.shadowLatencyNanoseconds += shadowLatency.nanosecondCount
        }
        if comparison.agrees {
            outcomes.agree.increment()
        } else if !comparison.statusMatch {
            outcomes.statusMismatch.increment()
        } else {
            outcomes.bodyMismatch.increment()
        }
    }

    /// The statistics as the admin API shows them (`GET /admin/shadows`).
    package var json: String {
        let counts = self.counts.withLock { $0 }
        let compared = max(counts.compared, 1)
        func rate(_ count: Int) -> String { counts.compared == 0 ? "null" : "\(Double(count) / Double(compared))" }
        func mean(_ nanoseconds: Int64) -> String {
            counts.compared == 0 ? "null" : "\(Double(nanoseconds) / Double(compared) / 1e6)"
        }
        let structured = counts.relativeBuckets.reduce(0, +)
        func quantile(_ q: Double) -> String {
            guard structured > 0 else { return "null" }
            var seen = 0
            for (index, count) in counts.relativeBuckets.enumerated() {
                seen += count
                if Double(seen) >= q * Double(structured) { return "\(Self.bucketBounds[index])" }
            }
            return "null"
        }
        let buckets = zip(Self.bucketBounds, counts.relativeBuckets).map { bound, count in
            "{\"le\":\(bound),\"count\":\(count)}"
        }
        return "{\"endpoint\":\(JSONText.quoted(endpoint)),\"variant\":\(JSONText.quoted(variant)),"
            + "\"compared\":\(counts.compared),\"agreement_rate\":\(rate(counts.agreements)),"
            + "\"status_match_rate\":\(rate(counts.statusMatches)),\"exact_match_rate\":\(rate(counts.bodyMatches)),"
            + "\"structure_match_rate\":\(rate(counts.structureMatches)),"
            + "\"relative_difference\":{\"p50\":\(quantile(0.5)),\"p90\":\(quantile(0.9)),\"p99\":\(quantile(0.99)),"
            + "\"buckets\":[\(buckets.joined(separator: ","))]},"
            + "\"max_absolute_difference\":\(counts.maxAbsoluteDifference),"
            + "\"mean_model_latency_ms\":{\"production\":\(mean(counts.productionLatencyNanoseconds)),"
            + "\"shadow\":\(mean(counts.shadowLatencyNanoseconds))}}"
    }
}

/// Every shadow variant's ``ShadowStatistics``, by endpoint and variant, kept across configuration reloads.
package final class ShadowComparisons: Sendable {
    private let statistics = Mutex<[String: ShadowStatistics]>([:])

    package init() {}

    /// The statistics of a shadow variant, made on first use.
    package func statistics(endpoint: String, variant: String) -> ShadowStatistics {
        statistics.withLock { all in
            let key = "\(endpoint)\u{0}\(variant)"
            if let existing = all[key] { return existing }
            let made = ShadowStatistics(endpoint: endpoint, variant: variant)
            all[key] = made
            return made
        }
    }

    /// The statistics of the shadow variants `endpoint` has now (all endpoints' when nil), as a JSON array.
    package func json(for snapshot: GatewaySnapshot, endpoint: String?) -> String {
        let names = snapshot.configuration.endpoints.map(\.name).filter { endpoint == nil || $0 == endpoint }
        let items = names.flatMap { name in
            (snapshot.endpoints[name]?.shadows ?? []).map { self.statistics(endpoint: name, variant: $0.name).json }
        }
        return "{\"shadows\":[\(items.joined(separator: ","))]}"
    }
}
