import Foundation

/// Finds capture files below a destination: `{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl`.
struct CaptureFiles {
    struct File: Equatable {
        var url: URL
        var size: Int
    }

    var endpoint: String?
    var variant: String?
    var since: Date?
    var until: Date?

    /// The matching files, sorted by path (so by endpoint, variant and time).
    func list(in root: URL) throws(DriftMonitorError) -> [File] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DriftMonitorError("capture directory not found: \(root.path)")
        }
        if let endpoint { try Self.requireDirectory(endpoint, in: root, kind: "endpoint") }
        if let endpoint, let variant {
            try Self.requireDirectory(variant, in: root.appendingPathComponent(endpoint), kind: "variant")
        }
        guard let enumerator = FileManager.default.enumerator(atPath: root.path) else {
            throw DriftMonitorError("cannot list capture directory \(root.path)")
        }
        var files: [File] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".jsonl"), matches(relative.split(separator: "/").map(String.init)) else {
                continue
            }
            let url = root.appendingPathComponent(relative)
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            files.append(File(url: url, size: size))
        }
        return files.sorted { $0.url.path < $1.url.path }
    }

    /// Fails, listing what there is, when `directory` has no subdirectory `name` (a mistyped endpoint or variant).
    private static func requireDirectory(_ name: String, in directory: URL, kind: String) throws(DriftMonitorError) {
        var isDirectory: ObjCBool = false
        let path = directory.appendingPathComponent(name).path
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let present = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        throw DriftMonitorError(
            "no captures of \(kind) \(name) in \(directory.path)"
                + (present.isEmpty ? " (it is empty)" : " (it has: \(present.joined(separator: ", ")))"))
    }

    private func matches(_ components: [String]) -> Bool {
        guard components.count == 7 else { return endpoint == nil && variant == nil }
        if let endpoint, components[0] != endpoint { return false }
        if let variant, components[1] != variant { return false }
        guard since != nil || until != nil else { return true }
        guard let year = Int(components[2]), let month = Int(components[3]), let day = Int(components[4]),
            let hour = Int(components[5])
        else { return true }
        let start = Timestamp.hourStart(year: year, month: month, day: day, hour: hour)
        if let until, until < start { return false }
        if let since, since >= start.addingTimeInterval(3600) { return false }
        return true
    }
}
