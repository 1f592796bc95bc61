/// A failure talking to Redis.
public enum RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Redis answered with an error reply (e.g. `WRONGTYPE ...`, `NOAUTH ...`).
    case server(String)
    /// The reply stream was not valid RESP (hiredis reader error).
    case protocolError(String)
    /// Connecting to Redis failed.
    case connectFailed(host: String, port: Int, reason: String)
    /// Connecting took longer than the connect timeout.
    case connectTimeout(host: String, port: Int)
    /// A command got no reply within the command timeout (the connection is closed).
    case commandTimeout
    /// The connection closed before the reply arrived.
    case connectionClosed
    /// The connection failed while commands were pending (I/O error).
    case connectionError(String)
    /// No connection is available: the pool is backing off after failed connects.
    case unavailable(lastError: String)
    /// The client was shut down.
    case shutdown
    /// The request's `lookup_budget` was spent before the reply arrived (the read goes on and fills the cache).
    case budgetSpent
    /// A reply did not have the shape the command promises (e.g. not an array).
    case unexpectedReply(command: String, reply: String)

    public var description: String {
        switch self {
        case .server(let message): "Redis error reply: \(message)"
        case .protocolError(let message): "invalid reply from Redis: \(message)"
        case .connectFailed(let host, let port, let reason): "cannot connect to Redis at \(host):\(port): \(reason)"
        case .connectTimeout(let host, let port): "connecting to Redis at \(host):\(port) timed out"
        case .commandTimeout: "Redis command timed out"
        case .connectionClosed: "Redis connection closed before the reply arrived"
        case .connectionError(let reason): "Redis connection failed: \(reason)"
        case .unavailable(let lastError): "Redis is unavailable (reconnecting with backoff; last error: \(lastError))"
        case .shutdown: "Redis client is shut down"
        case .budgetSpent: "no Redis reply within the request's lookup_budget"
        case .unexpectedReply(let command, let reply): "unexpected Redis reply to \(command): \(reply)"
        }
    }

    /// Whether the failure is about reaching Redis (connect, timeout, dropped connection, backoff), so that trying
    /// again later may succeed; error replies and malformed replies are not.
    public var isTransient: Bool {
        switch self {
        case .connectFailed, .connectTimeout, .commandTimeout, .connectionClosed, .connectionError, .unavailable,
            .budgetSpent:
            true
        case .server, .protocolError, .shutdown, .unexpectedReply: false
        }
    }
}
