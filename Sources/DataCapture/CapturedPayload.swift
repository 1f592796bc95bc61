/// One side of an invocation as it is captured: the bytes and the content type they were sent with.
public struct CapturedPayload: Sendable, Equatable {
    /// The `Content-Type` observed on the wire (for the input) or answered by the model (for the output).
    public var contentType: String
    /// The payload bytes.
    public var data: [UInt8]

    /// Creates a payload.
    public init(contentType: String, data: [UInt8]) {
        self.contentType = contentType
        self.data = data
    }
}
