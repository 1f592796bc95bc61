/// A problem that stops a baseline or monitoring run, with a message naming the file and what is wrong.
public struct DriftMonitorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in words a user can act on.
    public let message: String

    /// Creates an error with the given message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
