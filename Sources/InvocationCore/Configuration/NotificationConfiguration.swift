import Foundation

/// Where the gateway sends its events (`[notifications]`): a webhook receiving each event as JSON in the spirit of
/// EventBridge events (`source`, `detail-type`, `detail`).
public struct NotificationConfiguration: Sendable, Equatable {
    /// The URL events are POSTed to (`webhook`).
    public var webhook: URL

    /// Creates settings.
    public init(webhook: URL) {
        self.webhook = webhook
    }
}

extension NotificationConfiguration {
    /// Reads `[notifications]`.
    package init(reading table: inout ConfigTable) throws(ConfigurationError) {
        let text = try table.requiredString("webhook")
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw table.error("webhook", "must be an http(s):// URL")
        }
        self.init(webhook: url)
    }
}
