import Foundation

/// A program started by a test, with its output in a log file, stopped when the test is done.
public final class ChildProcess: @unchecked Sendable {
    /// The running process.
    public let process: Process
    /// Where stdout and stderr go.
    public let logFile: URL
    private let lock = NSLock()

    /// Starts `executable` with `arguments`.
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: URL? = nil
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestSupportError("\(executable) is not an executable file (build the package first, or install it)")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let name = URL(fileURLWithPath: executable).lastPathComponent
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try Self.withSignalsUnblocked { try process.run() }
    }

    /// Runs `body` with no signal blocked on this thread, so the spawned child does not inherit the test runner's
    /// blocked signals (otherwise `SIGTERM` would never reach it and ``stop(timeout:)`` would wait for `SIGKILL`).
    private static func withSignalsUnblocked<Result>(_ body: () throws -> Result) rethrows -> Result {
        var empty = sigset_t()
        var previous = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// Sends `signal` (e.g. `SIGTERM`, `SIGHUP`) if the process still runs.
    public func send(_ signal: Int32) {
        lock.withLock {
            if process.isRunning { kill(process.processIdentifier, signal) }
        }
    }

    /// Waits for the process to exit and returns its exit status; SIGKILLs it after `timeout`.
    @discardableResult
    public func waitForExit(timeout: Duration = .seconds(30)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline { send(SIGKILL) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// Stops the process (SIGTERM, then SIGKILL after `timeout`).
    public func stop(timeout: Duration = .seconds(10)) async {
        send(SIGTERM)
        await waitForExit(timeout: timeout)
    }

    /// The output so far.
    public var output: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Locations of the package's built executables for tests.
public enum BuiltProducts {
    /// The directory with `mlgateway` and `demo-backend`: `MLGATEWAY_BIN_DIR`, or the debug build folder of the
    /// package holding `file`.
    public static func directory(file: String = #filePath) -> URL {
        if let dir = ProcessInfo.processInfo.environment["MLGATEWAY_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        var root = URL(fileURLWithPath: file)
        while root.path != "/"
            && !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path)
        {
            root.deleteLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug")
    }

    /// The path of executable `name`.
    public static func path(_ name: String, file: String = #filePath) -> String {
        directory(file: file).appendingPathComponent(name).path
    }
}
