import MappingTemplates
import Metrics

/// Template metrics of one endpoint: `mlgateway_template_render_seconds` and `mlgateway_template_errors_total`, with
/// the labels `endpoint`, `direction` (and `kind` for errors: `runtime`, `payload`, `limit`).
package struct TemplateMetrics: Sendable {
    private let renderRequest: Metrics.Timer
    private let renderResponse: Metrics.Timer
    private let errors: [TemplateDirection: [TemplateError.Kind: Metrics.Counter]]

    package init(endpoint: String) {
        _ = GatewayMetrics.registry
        func timer(_ direction: TemplateDirection) -> Metrics.Timer {
            Metrics.Timer(
                label: "mlgateway_template_render_seconds",
                dimensions: [("endpoint", endpoint), ("direction", direction.rawValue)])
        }
        renderRequest = timer(.request)
        renderResponse = timer(.response)
        var errors: [TemplateDirection: [TemplateError.Kind: Metrics.Counter]] = [:]
        for direction in TemplateDirection.allCases {
            for kind in [TemplateError.Kind.runtime, .payload, .limit, .syntax] {
                errors[direction, default: [:]][kind] = Metrics.Counter(
                    label: "mlgateway_template_errors_total",
                    dimensions: [("endpoint", endpoint), ("direction", direction.rawValue), ("kind", kind.rawValue)])
            }
        }
        self.errors = errors
    }

    /// Records the time one render took.
    package func recordRender(_ direction: TemplateDirection, _ duration: Duration) {
        (direction == .request ? renderRequest : renderResponse).recordNanoseconds(duration.nanosecondCount)
    }

    /// Counts a failed render.
    package func recordError(_ direction: TemplateDirection, _ kind: TemplateError.Kind) {
        errors[direction]?[kind]?.increment()
    }
}
