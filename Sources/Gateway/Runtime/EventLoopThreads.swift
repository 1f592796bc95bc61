import Foundation
import NIOCore
import NIOPosix
import Synchronization

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
    /// Swift concurrency's global executor, so request handlers, backend calls and Redis replies run on the event
    /// loops without hopping between thread pools. Call once, before anything uses SwiftNIO or Swift concurrency.
    ///
    /// Returns false, leaving Swift's default executor in place, when the runtime offers no global executor hook, a
    /// hook is already installed, or this was called before.
    @discardableResult
    public static func install(threads: Int?) -> Bool {
        NIOSingletons.groupLoopCountSuggestion = threads ?? availableCores()
        return GlobalExecutorHook.install()
    }
}

/// Runs Swift concurrency's global jobs on the SwiftNIO singleton event loops, as jobs of the *generic* executor.
///
/// SwiftNIO's own takeover (`NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor`)
/// runs every global job isolated to its event loop's serial executor. The runtime then sees every entry into a
/// nonisolated async function (which formally runs on the generic executor) as a change of executor and re-enqueues
/// the task: one extra event loop turn per hop, many per request. Running the jobs as the generic executor, as the
/// default Dispatch pool does, lets those hops continue inline on the same thread.
enum GlobalExecutorHook {
    /// The hook's type in the Swift runtime: `swift_task_enqueueGlobal_hook(job, original)`.
    private typealias EnqueueGlobal = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    private static let installed = Atomic<Bool>(false)

    /// The generic executor (no serial executor; what the runtime's own global pool runs jobs with).
    private static let generic: UnownedSerialExecutor = {
        precondition(MemoryLayout<UnownedSerialExecutor>.size == 2 * MemoryLayout<UInt>.size)
        return unsafeBitCast((UInt(0), UInt(0)), to: UnownedSerialExecutor.self)
    }()

    /// Installs the hook once; false when the runtime has no hook or another one is already installed.
    static func install() -> Bool {
        guard installed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            return false
        }
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "swift_task_enqueueGlobal_hook") else { return false }
        let slot = symbol.assumingMemoryBound(to: UnsafeRawPointer?.self)
        guard slot.pointee == nil else { return false }
        _ = generic
        let hook: EnqueueGlobal = { job, _ in
            MultiThreadedEventLoopGroup.singleton.any().execute {
                job.runSynchronously(on: GlobalExecutorHook.generic)
            }
        }
        withUnsafeBytes(of: hook) { bytes in
            slot.pointee = bytes.load(as: UnsafeRawPointer.self)
        }
        return true
    }
}
