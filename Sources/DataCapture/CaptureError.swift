/// A data-capture configuration or file-system problem, with a message naming it.
public struct CaptureError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in words an operator can act on.
    public let message: String

    /// Creates an error with the given message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
