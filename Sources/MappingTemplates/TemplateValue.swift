/// A JSON-like value supplied by the caller, e.g. the `$context` object of a render.
///
/// Maps keep their insertion order, as API Gateway prints them in that order.
public enum TemplateValue: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// A boolean.
    case bool(Bool)
    /// An integer number.
    case int(Int)
    /// A floating-point number.
    case double(Double)
    /// A string.
    case string(String)
    /// An ordered list.
    case list([TemplateValue])
    /// An insertion-ordered map with string keys.
    case map(TemplateMap)
}

/// An insertion-ordered map from strings to ``TemplateValue``s.
public struct TemplateMap: Sendable, Hashable {
    /// The entries, stored as the renderer stores its maps so that a render's `$context` shares them.
    private(set) var storage: OrderedEntries<TemplateValue>

    /// Creates an empty map.
    public init() { storage = OrderedEntries() }

    /// Creates a map from key-value pairs; a repeated key keeps its first position and its last value.
    public init(_ pairs: [(String, TemplateValue)]) {
        storage = OrderedEntries(capacity: pairs.count)
        for (key, value) in pairs { storage.put(key, value) }
    }

    /// The keys in insertion order.
    public var keys: [String] { storage.keys }

    /// The number of entries.
    public var count: Int { storage.count }

    /// The value for `key`; setting `nil` removes the entry.
    public subscript(key: String) -> TemplateValue? {
        get { storage.position(of: key).map { storage[$0] } }
        set {
            if let newValue {
                storage.put(key, newValue)
            } else {
                storage.remove(key)
            }
        }
    }

    /// The entries in insertion order.
    public var entries: [(key: String, value: TemplateValue)] {
        zip(storage.keys, storage.values).map { ($0, $1) }
    }
}

extension TemplateMap: ExpressibleByDictionaryLiteral {
    /// Creates a map from a dictionary literal, keeping the literal's order.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self.init(elements)
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer value.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A floating-point value.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A boolean value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A list value.
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    /// A map value keeping the literal's order.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) { self = .map(TemplateMap(elements)) }
    /// The null value.
    public init(nilLiteral: ()) { self = .null }
}
