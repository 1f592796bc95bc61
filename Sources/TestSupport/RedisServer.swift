import Foundation

/// A real `redis-server` on a free loopback port, without persistence, for tests.
///
/// Started with `--save "" --appendonly no --bind 127.0.0.1`; ready once it answers `PING`. Failure tests can
/// ``kill()`` it and ``restart()`` it on the same port.
public final class RedisServer: @unchecked Sendable {
    /// The port it listens on.
    public let port: Int
    /// The password it requires (`--requirepass`), if any.
    public let password: String?
    private let executable: String
    private let lock = NSLock()
    private var child: ChildProcess

    /// Starts redis-server (from PATH) on `port` (a free one by default) and waits until it answers `PING`.
    public static func start(port: Int? = nil, password: String? = nil) async throws -> RedisServer {
        let port = try port ?? FreePort.next()
        guard let executable = Self.findExecutable() else {
            throw TestSupportError("redis-server not found on PATH: run scripts/test.sh, which installs it")
        }
        let child = try await launch(executable, port: port, password: password)
        return RedisServer(port: port, password: password, executable: executable, child: child)
    }

    private init(port: Int, password: String?, executable: String, child: ChildProcess) {
        self.port = port
        self.password = password
        self.executable = executable
        self.child = child
    }

    /// `redis://[:password@]127.0.0.1:<port>/<database>`.
    public func url(database: Int = 0) -> String {
        let credentials = password.map { ":\($0)@" } ?? ""
        return "redis://\(credentials)127.0.0.1:\(port)/\(database)"
    }

    /// `redis://[:password@]127.0.0.1:<port>/0`.
    public var url: String { url() }

    /// Whether the server process runs.
    public var isRunning: Bool { lock.withLock { child.process.isRunning } }

    /// Kills the server at once (SIGKILL), to test failure handling; its data is lost.
    public func kill() async {
        let child = lock.withLock { self.child }
        child.send(SIGKILL)
        await child.waitForExit()
    }

    /// Freezes the server (SIGSTOP): it keeps its connections and accepts new ones, and answers nothing, as a
    /// Redis that hangs.
    public func freeze() {
        lock.withLock { child }.send(SIGSTOP)
    }

    /// Lets a frozen server go on (SIGCONT).
    public func thaw() {
        lock.withLock { child }.send(SIGCONT)
    }

    /// Starts the server again on the same port (after ``kill()`` or ``stop()``), empty.
    public func restart() async throws {
        let current = lock.withLock { child }
        if current.process.isRunning { await current.stop() }
        let fresh = try await Self.launch(executable, port: port, password: password)
        lock.withLock { child = fresh }
    }

    /// Stops the server.
    public func stop() async {
        let child = lock.withLock { self.child }
        await child.stop()
    }

    /// The server's output so far (for failure messages).
    public var output: String { lock.withLock { child.output } }

    private static func launch(_ executable: String, port: Int, password: String?) async throws -> ChildProcess {
        var arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        if let password { arguments += ["--requirepass", password] }
        let child = try ChildProcess(executable, arguments)
        let deadline = ContinuousClock.now + .seconds(20)
        while !answersPing(port: port) {
            guard child.process.isRunning else {
                throw TestSupportError("redis-server exited at start on port \(port): \(child.output)")
            }
            guard ContinuousClock.now < deadline else {
                await child.stop()
                throw TestSupportError("redis-server on port \(port) does not answer PING: \(child.output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return child
    }

    /// Whether a Redis server on 127.0.0.1:`port` answers `PING` (`+PONG`, or `-NOAUTH` when it wants a password).
    public static func answersPing(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard FreePort.connect(fd, toLoopbackPort: port) else { return false }
        let ping = Array("PING\r\n".utf8)
        guard send(fd, ping, ping.count, 0) == ping.count else { return false }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = recv(fd, &reply, reply.count, 0)
        guard count > 0 else { return false }
        let text = String(decoding: reply[..<count], as: UTF8.self)
        return text.hasPrefix("+PONG") || text.hasPrefix("-NOAUTH")
    }

    private static func findExecutable() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/redis-server" } + ["/usr/bin/redis-server"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
