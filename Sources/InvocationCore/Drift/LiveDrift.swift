import DriftMonitor
import Foundation
import Logging
import Metrics
import NIOCore
import Synchronization
import WireFormats

/// Live drift: each variant's inputs of endpoints with `[endpoint.drift]`, window by window, against the endpoint's
/// baseline, with `monitor run`'s sketches, distances and constraints (``DriftMonitor/LiveDriftWindow``).
///
/// The request path only appends the payload (a `ByteBuffer` reference, no copy) to a bounded list under one lock,
/// at most ``maxPayloadsPerSecond`` per endpoint (``record(endpoint:variant:payload:contentType:now:)``); ``evaluate(_:now:)``, run every ``interval`` by
/// ``LiveDriftMonitor``, parses what arrived into the windows, compares each window with enough rows, sets
/// `mlgateway_drift_distance{endpoint,variant,feature}` and `mlgateway_drift_violations{endpoint,variant}`, and
/// returns the windows that newly violate a constraint (one event per window). Memory is bounded: the pending list
/// (``maxPending`` payloads; beyond it payloads are counted in `mlgateway_drift_dropped_total` and left out) and one
/// sketch per feature per variant.
package final class LiveDrift: Sendable {
    /// How often pending payloads are read and windows compared.
    package static let interval = Duration.seconds(1)
    /// Payloads taken per endpoint and second: a sample large enough for the distances (a 5-minute window holds up
    /// to 60,000), small enough that sketching costs the gateway a bounded amount of CPU whatever the traffic.
    package static let maxPayloadsPerSecond = 200
    /// Payloads that may wait for the next evaluation.
    package static let maxPending = 20_000

    private struct Sample {
        var endpoint: String
        var variant: String
        var payload: ByteBuffer
        var contentType: String
    }

    private struct Key: Hashable {
        var endpoint: String
        var variant: String
    }

    private struct Window {
        var window: LiveDriftWindow
        var baseline: URL
        var started: ContinuousClock.Instant
        var startedAt: Date
        var notified = false
    }

    /// One window's latest comparison, as the admin API shows it.
    package struct Report: Sendable {
        package var endpoint: String
        package var variant: String
        package var rows: Int
        package var windowStarted: Date
        package var evaluatedAt: Date
        package var drift: [FeatureDrift]
        package var violations: [Violation]
    }

    private struct State {
        var windows: [Key: Window] = [:]
        var reports: [Key: Report] = [:]
        var failedBaselines: Set<URL> = []
    }

    private struct Pending {
        var samples: [Sample] = []
        /// The second `taken` counts for, and the payloads taken in it per endpoint.
        var second: Int64 = 0
        var taken: [String: Int] = [:]
    }

    private let pending = Mutex(Pending())
    private let epoch = ContinuousClock.now
    private let state = Mutex(State())
    private let dropped = Counter(label: "mlgateway_drift_dropped_total")
    private let logger: Logger

    package init(logger: Logger) {
        self.logger = logger
    }

    /// Queues one input for its variant's window, unless the endpoint's ``maxPayloadsPerSecond`` are taken
    /// (request path: one lock, one append).
    package func record(
        endpoint: String, variant: String, payload: ByteBuffer, contentType: String?,
        now: ContinuousClock.Instant = .now
    ) {
        let second = (now - epoch).components.seconds
        let accepted = pending.withLock { pending in
            if pending.second != second {
                pending.second = second
                pending.taken.removeAll(keepingCapacity: true)
            }
            guard pending.taken[endpoint, default: 0] < Self.maxPayloadsPerSecond else { return true }
            guard pending.samples.count < Self.maxPending else { return false }
            pending.taken[endpoint, default: 0] += 1
            pending.samples.append(
                Sample(endpoint: endpoint, variant: variant, payload: payload, contentType: contentType ?? ""))
            return true
        }
        if !accepted { dropped.increment() }
    }

    /// Reads the pending inputs into their windows, starts new windows when theirs ended, and compares every window
    /// with enough rows. Returns the reports of windows that violate a constraint for the first time.
    package func evaluate(_ configuration: GatewayConfiguration, now: ContinuousClock.Instant = .now) -> [Report] {
        let samples = pending.withLock { pending in
            defer { pending.samples.removeAll(keepingCapacity: true) }
            return pending.samples
        }
        let settings = Dictionary(
            configuration.endpoints.compactMap { endpoint in endpoint.drift.map { (endpoint.name, $0) } },
            uniquingKeysWith: { first, _ in first })
        return state.withLock { state in
            state.windows = state.windows.filter { settings[$0.key.endpoint]?.baseline == $0.value.baseline }
            for sample in samples {
                guard let drift = settings[sample.endpoint] else { continue }
                let key = Key(endpoint: sample.endpoint, variant: sample.variant)
                if state.windows[key] == nil {
                    guard let window = openWindow(drift, now: now, state: &state) else { continue }
                    state.windows[key] = window
                }
                state.windows[key]?.window.add(payload: String(buffer: sample.payload), contentType: sample.contentType)
            }
            var violating: [Report] = []
            for key in Array(state.windows.keys) {
                guard var window = state.windows[key], let drift = settings[key.endpoint] else { continue }
                if window.window.rows >= drift.minRows {
                    let (measures, violations) = window.window.evaluate()
                    let report = Report(
                        endpoint: key.endpoint, variant: key.variant, rows: window.window.rows,
                        windowStarted: window.startedAt, evaluatedAt: Date(), drift: measures, violations: violations)
                    state.reports[key] = report
                    publish(report)
                    if !violations.isEmpty, !window.notified {
                        window.notified = true
                        violating.append(report)
                    }
                }
                if now - window.started >= drift.window {
                    window.window.reset()
                    window.started = now
                    window.startedAt = Date()
                    window.notified = false
                }
                state.windows[key] = window
            }
            return violating
        }
    }

    /// The latest comparison of every window, by endpoint then variant.
    package var reports: [Report] {
        state.withLock { state in
            state.reports.values.sorted { ($0.endpoint, $0.variant) < ($1.endpoint, $1.variant) }
        }
    }

    private func openWindow(_ drift: DriftConfiguration, now: ContinuousClock.Instant, state: inout State) -> Window? {
        do {
            let window = try LiveDriftWindow(baselineDirectory: drift.baseline)
            state.failedBaselines.remove(drift.baseline)
            return Window(window: window, baseline: drift.baseline, started: now, startedAt: Date())
        } catch {
            if state.failedBaselines.insert(drift.baseline).inserted {
                logger.error(
                    "Live drift baseline cannot be read; no live drift for this endpoint until it can",
                    metadata: ["drift.baseline": "\(drift.baseline.path)", "error": "\(error.message)"])
            }
            return nil
        }
    }

    private func publish(_ report: Report) {
        for feature in report.drift {
            guard let distance = feature.distance else { continue }
            Gauge(
                label: "mlgateway_drift_distance",
                dimensions: [("endpoint", report.endpoint), ("variant", report.variant), ("feature", feature.name)]
            ).record(distance)
        }
        Gauge(
            label: "mlgateway_drift_violations",
            dimensions: [("endpoint", report.endpoint), ("variant", report.variant)]
        ).record(report.violations.count)
    }
}

extension LiveDrift.Report {
    /// The report as JSON (admin API and webhook event detail).
    package var json: String {
        let features = drift.map { feature in
            "{\"name\":\(JSONText.quoted(feature.name)),\"distance\":\(Self.number(feature.distance)),"
                + "\"threshold\":\(Self.number(feature.threshold)),\"drift\":\(feature.drift)}"
        }
        let violations = violations.map { violation in
            "{\"feature_name\":\(JSONText.quoted(violation.featureName)),"
                + "\"constraint_check_type\":\(JSONText.quoted(violation.constraintCheckType.rawValue)),"
                + "\"description\":\(JSONText.quoted(violation.description))}"
        }
        return "{\"endpoint\":\(JSONText.quoted(endpoint)),\"variant\":\(JSONText.quoted(variant)),\"rows\":\(rows),"
            + "\"window_started\":\(Self.time(windowStarted)),\"evaluated_at\":\(Self.time(evaluatedAt)),"
            + "\"features\":[\(features.joined(separator: ","))],\"violations\":[\(violations.joined(separator: ","))]}"
    }

    private static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return "\(value)"
    }

    private static func time(_ date: Date) -> String {
        "\"" + UTCTime(date).iso8601 + "\""
    }
}
