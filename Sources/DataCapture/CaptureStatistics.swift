/// Counts kept by a ``CaptureWriter`` since it was created (the same numbers its metrics report).
public struct CaptureStatistics: Sendable, Equatable {
    /// Records accepted by ``CaptureWriter/submit(_:configuration:)``.
    public var accepted: Int
    /// Records refused or lost: queue full, after shutdown, or an I/O error. Never silent.
    public var dropped: Int
    /// Records written to files (whole lines handed to the kernel).
    public var written: Int
    /// Bytes written to files.
    public var bytes: Int
    /// File-system errors met (create, write, fsync, close).
    public var writeErrors: Int

    /// Creates statistics.
    public init(accepted: Int = 0, dropped: Int = 0, written: Int = 0, bytes: Int = 0, writeErrors: Int = 0) {
        self.accepted = accepted
        self.dropped = dropped
        self.written = written
        self.bytes = bytes
        self.writeErrors = writeErrors
    }
}
