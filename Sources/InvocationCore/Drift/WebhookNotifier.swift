import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import WireFormats

/// Sends events to the `[notifications] webhook`: one JSON document per event, in the spirit of EventBridge's
/// (`version`, `id`, `source` = `mlgateway`, `detail-type`, `time`, `detail`), POSTed with up to ``attempts`` tries
/// (1 s, then 2 s, then 4 s apart) until the receiver answers 2xx. Delivery runs in its own task: the caller never
/// waits. `mlgateway_notifications_total{outcome="delivered|failed"}` counts the outcomes.
package struct WebhookNotifier: Sendable {
    package static let attempts = 4

    package let url: URL
    package let logger: Logger

    package init(url: URL, logger: Logger) {
        self.url = url
        self.logger = logger
    }

    /// The event document: `detail` is a JSON object's text.
    package static func event(detailType: String, detail: String, time: Date = Date()) -> String {
        "{\"version\":\"0\",\"id\":\"\(UUID().uuidString.lowercased())\",\"source\":\"mlgateway\","
            + "\"detail-type\":\(JSONText.quoted(detailType)),\"time\":\"\(UTCTime(time).iso8601)\","
            + "\"resources\":[],\"detail\":\(detail)}"
    }

    /// Sends one event in the background.
    package func send(detailType: String, detail: String) {
        let body = Self.event(detailType: detailType, detail: detail)
        Task {
            var delay = Duration.seconds(1)
            for attempt in 1...Self.attempts {
                do {
                    var request = HTTPClientRequest(url: url.absoluteString)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(ByteBuffer(string: body))
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                    if (200..<300).contains(response.status.code) {
                        Counter(label: "mlgateway_notifications_total", dimensions: [("outcome", "delivered")])
                            .increment()
                        return
                    }
                    logger.warning(
                        "Webhook refused an event",
                        metadata: [
                            "notification.status": "\(response.status.code)", "notification.attempt": "\(attempt)",
                        ])
                } catch {
                    logger.warning(
                        "Webhook unreachable", metadata: ["error": "\(error)", "notification.attempt": "\(attempt)"])
                }
                guard attempt < Self.attempts, (try? await Task.sleep(for: delay)) != nil else { break }
                delay *= 2
            }
            Counter(label: "mlgateway_notifications_total", dimensions: [("outcome", "failed")]).increment()
            logger.error("Event not delivered to the webhook", metadata: ["notification.type": "\(detailType)"])
        }
    }
}
