/// A unified diff of two texts, line by line (`diff -u` style, three lines of context).
package struct LineDiff {
    /// Above this many line pairs the diff replaces the whole text rather than computing a longest common
    /// subsequence (bounded memory for any input).
    package static let maxCells = 4_000_000

    package enum Line: Equatable {
        case same(String)
        case removed(String)
        case added(String)
    }

    /// The edit script from `old` to `new`.
    package static func lines(from old: [String], to new: [String]) -> [Line] {
        guard old.count * new.count <= maxCells else { return old.map(Line.removed) + new.map(Line.added) }
        let width = new.count + 1
        var lengths = [Int32](repeating: 0, count: (old.count + 1) * width)
        for i in stride(from: old.count - 1, through: 0, by: -1) {
            for j in stride(from: new.count - 1, through: 0, by: -1) {
                lengths[i * width + j] =
                    old[i] == new[j]
                    ? lengths[(i + 1) * width + j + 1] + 1
                    : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
            }
        }
        var script: [Line] = []
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if i < old.count, j < new.count, old[i] == new[j] {
                script.append(.same(old[i]))
                i += 1
                j += 1
            } else if i < old.count, j == new.count || lengths[(i + 1) * width + j] >= lengths[i * width + j + 1] {
                script.append(.removed(old[i]))
                i += 1
            } else {
                script.append(.added(new[j]))
                j += 1
            }
        }
        return script
    }

    /// A unified diff with `---`/`+++` headers named `oldName`/`newName`; empty when the texts are equal.
    package static func unified(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3)
        -> String
    {
        let script = lines(from: split(old), to: split(new))
        guard script.contains(where: { if case .same = $0 { false } else { true } }) else { return "" }
        var output = "--- \(oldName)\n+++ \(newName)\n"
        var index = 0
        var oldLine = 1
        var newLine = 1
        while index < script.count {
            guard let change = script[index...].firstIndex(where: { if case .same = $0 { false } else { true } }) else {
                break
            }
            let start = max(index, change - context)
            oldLine += start - index
            newLine += start - index
            var end = change
            var sameRun = 0
            var cursor = change
            while cursor < script.count {
                if case .same = script[cursor] {
                    sameRun += 1
                    if sameRun > 2 * context { break }
                } else {
                    sameRun = 0
                    end = cursor
                }
                cursor += 1
            }
            let stop = min(script.count, end + 1 + context)
            let hunk = script[start..<stop]
            let oldCount = hunk.filter { if case .added = $0 { false } else { true } }.count
            let newCount = hunk.filter { if case .removed = $0 { false } else { true } }.count
            output += "@@ -\(range(oldLine, oldCount)) +\(range(newLine, newCount)) @@\n"
            for line in hunk {
                switch line {
                case .same(let text): output += " \(text)\n"
                case .removed(let text): output += "-\(text)\n"
                case .added(let text): output += "+\(text)\n"
                }
            }
            oldLine += oldCount
            newLine += newCount
            index = stop
        }
        return output
    }

    /// `diff -u` hunk ranges: `start,count`, `start` alone for one line, `start-1,0` for none.
    private static func range(_ start: Int, _ count: Int) -> String {
        switch count {
        case 0: return "\(start - 1),0"
        case 1: return "\(start)"
        default: return "\(start),\(count)"
        }
    }

    private static func split(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { lines.removeLast() }
        return lines
    }
}

/// Diffs of stored template versions, as the admin API and the CLI show them.
public enum TemplateDiff {
    /// A unified diff from `old` to `new` (a deletion counts as an empty text); empty when they are equal.
    public static func unified(_ old: TemplateVersion, _ new: TemplateVersion) -> String {
        LineDiff.unified(
            old.source ?? "", new.source ?? "", oldName: "\(old.key) v\(old.version)",
            newName: "\(new.key) v\(new.version)")
    }
}
