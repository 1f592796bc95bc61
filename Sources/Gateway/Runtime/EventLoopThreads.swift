import Foundation
import NIOCore
import NIOPosix

/// Sizes and installs the process's SwiftNIO event loop group.
public enum EventLoopThreads {
    /// The number of CPUs this process may run on (its affinity mask, e.g. under `taskset`), at least 1.
    ///
    /// SwiftNIO's default follows cgroup limits but not the affinity mask, which would start more event loops than
    /// cores and make them compete.
    public static func availableCores() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return System.coreCount }
        let mask = line.dropFirst("Cpus_allowed:".count).filter(\.isHexDigit)
        let count = mask.reduce(0) { $0 + ($1.hexDigitValue ?? 0).nonzeroBitCount }
        return max(1, min(count, System.coreCount))
    }

    /// Sizes the shared event loop group to `threads` (default: ``availableCores()``) and makes it Swift
    /// concurrency's global executor, so request handlers, backend calls and Redis replies run on the event loops
    /// without hopping between thread pools. Call once, before anything uses SwiftNIO or Swift concurrency.
    public static func install(threads: Int?) {
        NIOSingletons.groupLoopCountSuggestion = threads ?? availableCores()
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
