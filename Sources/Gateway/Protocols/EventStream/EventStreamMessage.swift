import InvocationCore
import NIOCore

/// One message of the AWS event-stream format (`application/vnd.amazon.eventstream`): headers and a payload.
///
/// On the wire: a 12-byte prelude (total length, headers length, CRC-32 of those 8 bytes), the headers, the
/// payload and a CRC-32 of everything before it. The gateway writes only string-valued headers (type 7), which is
/// all SageMaker's response stream uses.
public struct EventStreamMessage: Sendable, Equatable {
    /// One header: a name and a string value.
    public struct Header: Sendable, Equatable {
        /// Header name, such as `:event-type`.
        public var name: String
        /// Header value.
        public var value: String

        /// Creates a header.
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Headers, in wire order.
    public var headers: [Header]
    /// Payload bytes.
    public var payload: ByteBuffer

    /// Creates a message.
    public init(headers: [Header], payload: ByteBuffer) {
        self.headers = headers
        self.payload = payload
    }

    /// The value of the first header called `name`.
    public subscript(header name: String) -> String? {
        headers.first { $0.name == name }?.value
    }
}
