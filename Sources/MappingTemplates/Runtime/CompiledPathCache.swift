import Foundation

/// JSONPaths compiled for one template and shared by all its renders, so that a path string — constant or
/// computed, such as `"$.items[$foreach.index]"` — is parsed once rather than once per render.
///
/// The cache holds at most ``capacity`` paths; once full, further paths are compiled at each use.
final class CompiledPathCache: @unchecked Sendable {
    static let capacity = 512
    private let lock = NSLock()
    private var paths: [String: JSONPath] = [:]

    func path(for text: String) -> JSONPath? {
        lock.lock()
        defer { lock.unlock() }
        return paths[text]
    }

    func store(_ path: JSONPath, for text: String) {
        lock.lock()
        defer { lock.unlock() }
        if paths.count < Self.capacity { paths[text] = path }
    }
}
