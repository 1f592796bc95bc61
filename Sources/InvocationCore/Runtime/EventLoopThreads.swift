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

    /// Sizes the shared event loop group to `threads` (default: ``availableCores()``) and makes its event loops
    /// Swift concurrency's global executor with SwiftNIO's supported installer, so that the invocations that must
    /// wait (a Redis miss, a backend without an idle connection) continue on the event loops without hopping to
    /// another thread pool (ADR 0008). Call once, before anything uses SwiftNIO or Swift concurrency.
    ///
    /// Returns false, leaving Swift's default executor in place, when SwiftNIO could not install it (the runtime has
    /// no hook for it, or the global executor was used already).
    @discardableResult
    public static func install(threads: Int?) -> Bool {
        NIOSingletons.groupLoopCountSuggestion = threads ?? availableCores()
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
