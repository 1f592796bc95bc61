/// Interns variable names to dense slots so that evaluation indexes an array instead of hashing names.
final class SlotTable {
    private(set) var names: [String] = []
    private var indexes: [String: Int] = [:]
    /// What the references noted so far read of the template's input.
    private(set) var reads: TemplateInputParts = []

    func slot(_ name: String) -> Int {
        if let index = indexes[name] { return index }
        names.append(name)
        indexes[name] = names.count - 1
        return names.count - 1
    }

    /// Records what a reference `$name.segments…` reads of the input. It errs on the side of reading: `$input` kept
    /// in a variable or passed on counts as reading the parameters.
    func noteReference(_ name: String, _ segments: [Segment]) {
        switch name {
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
