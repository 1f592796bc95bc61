/// Interns variable names to dense slots so that evaluation indexes an array instead of hashing names.
final class SlotTable {
    private(set) var names: [String] = []
    private var indexes: [String: Int] = [:]
    /// What the references noted so far read of the template's input.
    private(set) var reads: TemplateInputParts = []
    /// The variables of `#foreach` (and enclosing loops) that the references noted so far can read: a loop sets
    /// only those.
    private(set) var loopVariables: LoopVariables = []

    func slot(_ name: String) -> Int {
        if let index = indexes[name] { return index }
        names.append(name)
        indexes[name] = names.count - 1
        return names.count - 1
    }

    /// Records what a reference `$name.segments…` reads of the input. It errs on the side of reading: `$input` kept
    /// in a variable or passed on counts as reading the parameters.
    func noteReference(_ name: String, _ segments: [Segment]) {
        for segment in segments {
            switch segment {
            case .property("parent"), .property("topmost"), .method("getParent", _), .method("getTopmost", _):
                loopVariables.insert(.enclosingLoops)
            default:
                break
            }
        }
        switch name {
        case Builtin.foreach.rawValue:
            loopVariables.insert(.foreach)
        case Builtin.velocityCount.rawValue:
            loopVariables.insert(.velocityCount)
        case Builtin.velocityHasNext.rawValue:
            loopVariables.insert(.velocityHasNext)
        case Builtin.context.rawValue:
            reads.insert(.context)
        case Builtin.input.rawValue:
            switch segments.first {
            case .property("body"), .method("path", _), .method("json", _), .method("getBody", _): break
            default: reads.insert(.parameters)
            }
        default:
            break
        }
    }
}

/// `$foreach`, `$velocityCount` and `$velocityHasNext`, which every `#foreach` iteration would set, and the
/// enclosing loops' `$foreach` that an inner loop would keep.
struct LoopVariables: OptionSet, Sendable {
    let rawValue: Int

    static let foreach = LoopVariables(rawValue: 1 << 0)
    static let velocityCount = LoopVariables(rawValue: 1 << 1)
    static let velocityHasNext = LoopVariables(rawValue: 1 << 2)
    /// `parent`, `topmost`, `getParent()` or `getTopmost()` appear: only they read an enclosing loop.
    static let enclosingLoops = LoopVariables(rawValue: 1 << 3)
}
