import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Loopback TCP ports for test servers.
///
/// Shared by every test target (redis-server, demo backends and gateways started by tests); extend it rather than
/// writing another copy in a test target.
public enum FreePort {
    /// A TCP port on 127.0.0.1 that nothing listens on now (the kernel picks it; it is released before returning).
    ///
    /// For a server the test starts. No port is handed out twice in one test process, so tests running side by side
    /// never pick the same port for their servers. For a port that must stay unanswered, use ``refusing()``.
    public static func next() throws -> Int {
        while true {
            let (fd, port) = try bindLoopback()
            close(fd)
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
    }

    private static let handedOut = Mutex<Set<Int>>([])

    /// A TCP port on 127.0.0.1 that refuses connections for the life of the test process.
    ///
    /// The port stays bound, never listening, so connecting to it fails at once and no server started by another
    /// test can take it. Every caller gets the same port.
    public static func refusing() throws -> Int {
        try refusingSocket.get().port
    }

    private static let refusingSocket = Result { try bindLoopback() }

    /// A TCP socket bound to a port the kernel picks on 127.0.0.1, and that port.
    private static func bindLoopback() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let error = TestSupportError("bind() failed: errno \(errno)")
            close(fd)
            throw error
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let error = TestSupportError("getsockname() failed: errno \(errno)")
            close(fd)
            throw error
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return connect(fd, toLoopbackPort: port)
    }

    /// Connects the TCP socket `fd` to 127.0.0.1:`port`; whether it connected.
    public static func connect(_ fd: Int32, toLoopbackPort port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    /// Waits until `port` accepts connections, or throws after `timeout`.
    public static func waitUntilListening(_ port: Int, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isListening(port) {
            guard ContinuousClock.now < deadline else {
                throw TestSupportError("nothing listens on port \(port) after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// A failure of the test infrastructure itself, with a message saying what to fix.
public struct TestSupportError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
