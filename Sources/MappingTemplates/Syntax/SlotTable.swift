/// Interns variable names to dense slots so that evaluation indexes an array instead of hashing names.
final class SlotTable {
    private(set) var names: [String] = []
    private var indexes: [String: Int] = [:]

    func slot(_ name: String) -> Int {
        if let index = indexes[name] { return index }
        names.append(name)
        indexes[name] = names.count - 1
        return names.count - 1
    }
}
