import Foundation

extension ChildProcess {
    /// The outcome of a program run to completion.
    public struct Outcome: Sendable {
        /// Exit status (or the terminating signal's number).
        public let status: Int32
        /// stdout and stderr, interleaved.
        public let output: String
    }

    /// Runs `executable` with `arguments` to completion and returns its status and output; SIGKILLs it after
    /// `timeout`.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: URL? = nil, timeout: Duration = .seconds(60)
    ) async throws -> Outcome {
        let child = try ChildProcess(
            executable, arguments, environment: environment, currentDirectory: currentDirectory)
        let status = await child.waitForExit(timeout: timeout)
        return Outcome(status: status, output: child.output)
    }
}
