/// Insertion-ordered entries with distinct string keys: the storage of both ``TemplateMap`` and the renderer's maps,
/// so that turning one into the other shares its keys and index instead of hashing them again. Small maps (the usual
/// JSON object) search their keys linearly; larger ones keep a hash index.
struct OrderedEntries<Element> {
    /// The keys in insertion order.
    private(set) var keys: [String] = []
    /// The values, in the order of ``keys``.
    private(set) var values: [Element] = []
    /// Positions by key, for maps of more than ``indexThreshold`` entries.
    private var index: [String: Int]?
    static var indexThreshold: Int { 12 }

    init() {}

    /// Empty entries with room for `capacity`.
    init(capacity: Int) {
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
        if capacity > Self.indexThreshold { index = Dictionary(minimumCapacity: capacity) }
    }

    /// Distinct `keys` with their `values`, in that order.
    init(distinctKeys keys: [String], values: [Element]) {
        self.keys = keys
        self.values = values
        if keys.count > Self.indexThreshold { rebuildIndex() }
    }

    var count: Int { keys.count }

    /// The value at `position` (insertion order).
    subscript(position: Int) -> Element {
        get { values[position] }
        set { values[position] = newValue }
    }

    func position(of key: String) -> Int? {
        if let index { return index[key] }
        var i = 0
        while i < keys.count {
            if keys[i] == key { return i }
            i += 1
        }
        return nil
    }

    /// Stores `value` under `key`, returning the previous value.
    @discardableResult
    mutating func put(_ key: String, _ value: Element) -> Element? {
        let existing: Int?
        if index != nil {
            // One hash for a new key, the usual case; a repeated one gets its position back.
            existing = index!.updateValue(keys.count, forKey: key)
            if let existing { index![key] = existing }
        } else {
            existing = position(of: key)
        }
        if let existing {
            defer { values[existing] = value }
            return values[existing]
        }
        keys.append(key)
        values.append(value)
        if index == nil, keys.count > Self.indexThreshold { rebuildIndex() }
        return nil
    }

    /// Removes `key`, returning its value.
    @discardableResult
    mutating func remove(_ key: String) -> Element? {
        guard let position = position(of: key) else { return nil }
        keys.remove(at: position)
        let old = values.remove(at: position)
        if index != nil { rebuildIndex() }
        return old
    }

    mutating func removeAll() {
        keys.removeAll()
        values.removeAll()
        index = nil
    }

    /// The same keys (and index, shared) with transformed values.
    func mapValues<T>(_ transform: (Element) throws -> T) rethrows -> OrderedEntries<T> {
        var result = OrderedEntries<T>()
        result.keys = keys
        result.values = try values.map(transform)
        result.index = index
        return result
    }

    private mutating func rebuildIndex() {
        var newIndex: [String: Int] = [:]
        newIndex.reserveCapacity(keys.count)
        for (i, key) in keys.enumerated() { newIndex[key] = i }
        index = newIndex
    }
}

extension OrderedEntries: Sendable where Element: Sendable {}

extension OrderedEntries: Equatable where Element: Equatable {
    /// The same entries in the same order (the index follows from the keys).
    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.keys == rhs.keys && lhs.values == rhs.values
    }
}

extension OrderedEntries: Hashable where Element: Hashable {
    func hash(into hasher: inout Hasher) {
        hasher.combine(keys)
        hasher.combine(values)
    }
}
