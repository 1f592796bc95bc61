import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to a local port, for tests that watch the connection itself (when the gateway closes it).
final class RawConnection {
    /// What arrived within a wait.
    enum Received: Equatable {
        case bytes(String)
        case closed
        case nothing
    }

    /// A complete request to `POST /endpoints/demo/invocations` with the CSV body `1,2,3`.
    static let invocation = """
        POST /endpoints/demo/invocations HTTP/1.1\r
        Host: gateway\r
        Content-Type: text/csv\r
        Content-Length: 5\r
        \r
        1,2,3
        """

    private let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket() failed: errno \(errno)") }
        guard FreePort.connect(descriptor, toLoopbackPort: port) else {
            close(descriptor)
            throw TestSupportError("connect() to port \(port) failed: errno \(errno)")
        }
    }

    deinit { close(descriptor) }

    /// Writes all of `text` (a peer that closed makes it throw, with no `SIGPIPE`).
    func send(_ text: String) throws {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw TestSupportError("write() failed: errno \(errno)") }
            bytes = bytes.dropFirst(written)
        }
    }

    /// Writes `bytes` over and over, `times` times in all, without blocking, for as long as the peer reads them:
    /// stops once a write has waited `stall` for room. Returns the number of bytes the peer took.
    func sendWhileRead(_ bytes: [UInt8], times: Int, stall: Duration) async throws -> Int {
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        var sent = 0
        for _ in 0..<times {
            var rest = bytes[...]
            while !rest.isEmpty {
                let written = rest.withUnsafeBytes {
                    Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if written > 0 {
                    sent += written
                    rest = rest.dropFirst(written)
                    continue
                }
                guard errno == EAGAIN || errno == EWOULDBLOCK else {
                    throw TestSupportError("send() failed: errno \(errno)")
                }
                let deadline = ContinuousClock.now + stall
                while true {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    if poll(&poller, 1, 0) > 0 { break }
                    guard ContinuousClock.now < deadline else { return sent }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
        }
        return sent
    }

    /// Whether the peer closes the connection within `timeout`; bytes that arrive meanwhile are read and dropped.
    func closes(within timeout: Duration) async throws -> Bool {
        try await receiveAll(within: timeout).closed
    }

    /// Everything that arrives until the peer closes the connection or `timeout` passes, and which of the two ended it.
    func receiveAll(within timeout: Duration) async throws -> (text: String, closed: Bool) {
        let deadline = ContinuousClock.now + timeout
        var text = ""
        while true {
            switch try await receive(within: deadline - ContinuousClock.now) {
            case .closed: return (text, true)
            case .nothing: return (text, false)
            case .bytes(let bytes): text += bytes
            }
        }
    }

    /// What arrives within `timeout`: the bytes of one read, the peer closing the connection, or nothing. Polls
    /// without blocking a thread of the test's executor.
    func receive(within timeout: Duration) async throws -> Received {
        let deadline = ContinuousClock.now + timeout
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 0) > 0 {
                var buffer = [UInt8](repeating: 0, count: 65536)
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                return count > 0 ? .bytes(String(decoding: buffer[..<count], as: UTF8.self)) : .closed
            }
            guard ContinuousClock.now < deadline else { return .nothing }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
