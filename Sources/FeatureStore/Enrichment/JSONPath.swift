/// A simple JSONPath: `$` followed by `.name`, `['name']` or `[index]` steps (e.g. `$.user.ids[0]`).
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step of the path.
    public enum Component: Sendable, Hashable {
        /// An object member.
        case key(String)
        /// An array element.
        case index(Int)
    }

    /// The steps after `$`.
    public let components: [Component]
    /// The path as written.
    public let description: String

    /// Parses `text`; throws a configuration error naming the problem.
    public init(parsing text: String) throws(FeatureStoreError) {
        func invalid(_ reason: String) -> FeatureStoreError {
            .invalidConfiguration("JSONPath '\(text)': \(reason)")
        }
        var characters = Substring(text)
        guard characters.first == "$" else { throw invalid("must start with $") }
        characters = characters.dropFirst()
        var components: [Component] = []
        while let first = characters.first {
            if first == "." {
                characters = characters.dropFirst()
                let name = characters.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { throw invalid("empty name after '.'") }
                components.append(.key(String(name)))
                characters = characters.dropFirst(name.count)
            } else if first == "[" {
                guard let close = characters.firstIndex(of: "]") else { throw invalid("unclosed '['") }
                let inner = characters[characters.index(after: characters.startIndex)..<close]
                if let quote = inner.first, quote == "'" || quote == "\"", inner.count >= 2, inner.last == quote {
                    components.append(.key(String(inner.dropFirst().dropLast())))
                } else if let index = Int(inner), index >= 0 {
                    components.append(.index(index))
                } else {
                    throw invalid("'[\(inner)]' is neither an index nor a quoted name")
                }
                characters = characters[characters.index(after: close)...]
            } else {
                throw invalid("unexpected '\(first)'")
            }
        }
        self.components = components
        self.description = text
    }

    /// The member names, if every step is a member name.
    var keys: [String]? {
        var keys: [String] = []
        for component in components {
            guard case .key(let name) = component else { return nil }
            keys.append(name)
        }
        return keys
    }
}
