/// How far a monitoring run is, reported while it streams the capture files.
public struct MonitorProgress: Sendable, Equatable {
    /// Capture files finished.
    public var filesDone: Int
    /// Capture files to read.
    public var filesTotal: Int
    /// Bytes read so far.
    public var bytesDone: Int
    /// Bytes of all files to read.
    public var bytesTotal: Int
    /// Capture records whose input was used.
    public var records: Int
    /// Lines that were not readable capture records.
    public var corruptLines: Int
}
