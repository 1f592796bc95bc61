import Foundation

/// Things compiled for one template and shared by all its renders — JSONPaths passed to `$input.path` /
/// `$input.json` and regular expressions passed to `replaceAll`, `matches` and `split` — so that a string,
/// constant or computed (`"$.items[$foreach.index]"`), is compiled once rather than once per render.
///
/// The cache holds at most ``capacity`` entries; once full, further strings are compiled at each use. Entries must
/// be safe to use from several renders at once: JSONPaths are immutable values, and `NSRegularExpression` is
/// documented thread-safe (swift-corelibs-foundation checks its ICU matcher out per match, cloning it when it is in
/// use).
final class CompiledCache<Compiled>: @unchecked Sendable {
    static var capacity: Int { 512 }
    private let lock = NSLock()
    private var entries: [String: Compiled] = [:]

    func value(for text: String) -> Compiled? {
        lock.lock()
        defer { lock.unlock() }
        return entries[text]
    }

    func store(_ compiled: Compiled, for text: String) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count < Self.capacity { entries[text] = compiled }
    }
}
