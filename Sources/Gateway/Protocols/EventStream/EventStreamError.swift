import InvocationCore

/// Why bytes are not a valid event-stream message.
public enum EventStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The prelude's CRC-32 does not match its first 8 bytes.
    case preludeChecksumMismatch(expected: UInt32, computed: UInt32)
    /// The message's trailing CRC-32 does not match.
    case messageChecksumMismatch(expected: UInt32, computed: UInt32)
    /// The lengths in the prelude are impossible (too small, or headers longer than the message).
    case invalidLength(total: UInt32, headers: UInt32)
    /// A header is cut short or uses a value type other than string.
    case invalidHeader(String)
    /// A header or message exceeds the format's limits when encoding.
    case tooLarge(String)

    public var description: String {
        switch self {
        case .preludeChecksumMismatch(let expected, let computed):
            return "event-stream prelude checksum mismatch: expected \(expected), computed \(computed)"
        case .messageChecksumMismatch(let expected, let computed):
            return "event-stream message checksum mismatch: expected \(expected), computed \(computed)"
        case .invalidLength(let total, let headers):
            return "event-stream message has impossible lengths: total \(total), headers \(headers)"
        case .invalidHeader(let detail):
            return "event-stream header is invalid: \(detail)"
        case .tooLarge(let detail):
            return "event-stream message is too large: \(detail)"
        }
    }
}
