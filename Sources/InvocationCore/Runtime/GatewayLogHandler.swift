import Logging

/// The gateway process's log handler: swift-log's `StreamLogHandler` on standard error (same line format), with the
/// logger's own metadata rendered only for the lines that are written.
///
/// `StreamLogHandler` renders its metadata to text whenever the metadata changes. Hummingbird gives every request a
/// logger with its request id, so that rendering would run on every request even when nothing is logged; this
/// handler keeps the metadata as values and hands it to `StreamLogHandler` with each line instead.
public struct GatewayLogHandler: LogHandler {
    private var stream: StreamLogHandler

    /// The logger's metadata, merged under each line's own metadata when a line is written.
    public var metadata: Logger.Metadata = [:]

    /// Creates the handler of the logger `label`, writing lines at `level` and above to standard error.
    public init(label: String, level: Logger.Level) {
        self.init(stream: StreamLogHandler.standardError(label: label), level: level)
    }

    /// Creates the handler of the logger `label`, writing lines at `level` and above to `stream`.
    public init(label: String, level: Logger.Level, stream: any TextOutputStream & Sendable) {
        self.init(stream: StreamLogHandler(label: label, stream: stream), level: level)
    }

    private init(stream: StreamLogHandler, level: Logger.Level) {
        self.stream = stream
        self.stream.logLevel = level
    }

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, line in line }
        }
        stream.log(event: event)
    }
}
