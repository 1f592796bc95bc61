/// A value during evaluation. Lists and maps are references, as in Java: `$a.put(…)` is seen through every alias.
enum Value {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list(ListBox)
    case map(MapBox)
    /// `$input`.
    case input
    /// `$util`.
    case util
    /// `$foreach` of the innermost loop.
    case loop(LoopState)
    /// A `#define` block, rendered where it is referenced.
    case block(DefinedBlock)
    /// A `Map.Entry` from `entrySet()`.
    indirect case entry(String, Value)

    var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Whether the value is a map or a list, which a render can change.
    var isContainer: Bool {
        switch self {
        case .map, .list: return true
        default: return false
        }
    }

    /// The value of a ``SharedValue``'s prototype as one render sees it: maps and lists are new boxes (maps copy
    /// their own nested ones lazily, lists at once), so that what the render changes stays in that render.
    func copied() -> Value {
        switch self {
        case .map(let box): return .map(MapBox(copying: box))
        case .list(let box): return .list(ListBox(box.items.map { $0.copied() }, json: box.json))
        default: return self
        }
    }

    /// Velocity truthiness as API Gateway applies it: only an actual `false` is false.
    var isTruthy: Bool {
        if case .bool(false) = self { return false }
        return true
    }
}

/// A Java list. `json` marks json-smart arrays (from `$input.path`, `$util.parseJson`), which print as JSON.
final class ListBox {
    @exclusivity(unchecked) var items: [Value]
    let json: Bool

    init(_ items: [Value], json: Bool) {
        self.items = items
        self.json = json
    }
}

/// A Java `LinkedHashMap<String, Object>`.
final class MapBox {
    @exclusivity(unchecked) private var entries: OrderedEntries<Value>
    /// Whether the values may still hold the maps and lists of the prototype this map was copied from (see
    /// ``init(copying:)``); they are copied before any value leaves the map.
    @exclusivity(unchecked) private var sharesContainers = false

    init() { entries = OrderedEntries() }

    init(_ entries: OrderedEntries<Value>) { self.entries = entries }

    /// A copy of `prototype` for one render. Its storage is shared until either map writes it (Swift's
    /// copy-on-write), and its nested maps and lists are copied only when the first of them is read: a render that
    /// reads `$context.requestId` copies neither the fifteen entries of `$context` nor its `identity` map.
    init(copying prototype: MapBox) {
        entries = prototype.entries
        sharesContainers = entries.values.contains { $0.isContainer }
    }

    /// A map of `strings` in key order (`$stageVariables`, `$input.params()`, `$features`).
    convenience init(sortedStrings strings: [String: String]) {
        let sorted = strings.sorted { $0.key < $1.key }
        self.init(OrderedEntries(distinctKeys: sorted.map(\.key), values: sorted.map { .string($0.value) }))
    }

    /// The keys in insertion order.
    var keys: [String] { entries.keys }

    var count: Int { entries.count }

    /// The value of the entry at `position` (insertion order).
    func value(at position: Int) -> Value {
        let value = entries[position]
        guard sharesContainers, value.isContainer else { return value }
        copyContainers()
        return entries[position]
    }

    subscript(key: String) -> Value? {
        guard let position = entries.position(of: key) else { return nil }
        return value(at: position)
    }

    /// Replaces the prototype's maps and lists among the values by copies of their own.
    private func copyContainers() {
        for i in 0..<entries.count where entries[i].isContainer { entries[i] = entries[i].copied() }
        sharesContainers = false
    }

    /// Stores `value` under `key`, returning the previous value (Java's `put`).
    @discardableResult
    func put(_ key: String, _ value: Value) -> Value {
        if sharesContainers { copyContainers() }
        return entries.put(key, value) ?? .null
    }

    /// Removes `key`, returning the previous value.
    @discardableResult
    func remove(_ key: String) -> Value {
        if sharesContainers { copyContainers() }
        return entries.remove(key) ?? .null
    }

    func removeAll() {
        entries.removeAll()
        sharesContainers = false
    }
}

/// The state `$foreach` exposes for one iteration.
struct LoopState {
    var index: Int
    var hasNext: Bool
    /// The enclosing loop's `$foreach` (Velocity 1.7's `$foreach.parent`), nil for an outermost loop.
    var parent: EnclosingLoop?

    var count: Int { index + 1 }

    /// Velocity 1.7's `$foreach.topmost`: the outermost enclosing loop, or this loop when it is outermost.
    var topmost: LoopState {
        var state = self
        while let parent = state.parent { state = parent.state }
        return state
    }
}

/// The `$foreach` of an enclosing loop, as it was when the inner loop started.
final class EnclosingLoop {
    let state: LoopState

    init(_ state: LoopState) { self.state = state }
}

/// The body of a `#define`.
final class DefinedBlock: Sendable {
    let nodes: [Node]

    init(_ nodes: [Node]) { self.nodes = nodes }
}

/// A ``TemplateValue`` converted once to the renderer's form and read by many renders, possibly at once: `$context`
/// of a request (both of its templates) and `$stageVariables` of an endpoint variant (all its requests). Each render
/// reads a ``copy()``, since Java maps and lists are mutable and a template's `$context.put(…)` must stay in that
/// render.
///
/// Unchecked `Sendable`: the prototype is never handed out, so nothing writes it; copies only read it.
final class SharedValue: @unchecked Sendable {
    /// The value as the caller gave it.
    let value: TemplateValue
    private let prototype: Value

    init(_ value: TemplateValue) {
        self.value = value
        self.prototype = value.runtimeValue()
    }

    /// An empty map, shared by the inputs that have no `$context` or no stage variables.
    static let emptyMap = SharedValue(.map(TemplateMap()))

    /// The value for one render.
    func copy() -> Value { prototype.copied() }
}
