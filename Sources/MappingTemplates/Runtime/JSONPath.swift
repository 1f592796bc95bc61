import Foundation

/// JSONPath as API Gateway accepts it (Jayway syntax): `$`, `$.a.b`, `$['a']`, `$.a[0]`, `$.a[-1]`, `$.a[0,1]`,
/// `$.a[1:3]`, `$.a[*].b`, `$.*`, `$..b`, filters `[?(@.x > 1 && @.y == 'z')]`, regular expression filters
/// `[?(@.name =~ /ab.*/i)]` (the whole string must match, as Jayway's `matches()`) and `.length()`.
///
/// A definite path (names and single indexes only) yields the value or null; any other path yields a JSON list
/// of the matches.
struct JSONPath {
    struct Failure: Error {
        var message: String
    }

    indirect enum Step {
        case name(String)
        case names([String])
        case index(Int)
        case indexes([Int])
        case slice(Int?, Int?)
        case wildcard
        case descendants(Step)
        case filter(FilterExpr)
        case length
    }

    let steps: [Step]
    /// Names, single indexes and `length()` only: the path selects at most one value.
    let isDefinite: Bool

    init(_ text: String) throws(Failure) {
        var parser = PathParser(bytes: Array(text.utf8))
        self.init(steps: try parser.parsePath())
    }

    init(steps: [Step]) {
        self.steps = steps
        self.isDefinite = steps.allSatisfy {
            switch $0 {
            case .name, .index, .length: return true
            default: return false
            }
        }
    }

    /// The path's value on `root`; a regular expression filter that does too much work throws.
    func evaluate(on root: Value) throws(RegexWorkLimitExceeded) -> Value {
        if isDefinite { return evaluateDefinite(on: root) }
        var current = [root]
        for step in steps {
            var next: [Value] = []
            for value in current { try Self.apply(step, to: value, root: root, into: &next) }
            current = next
        }
        if isDefinite { return current.first ?? .null }
        return .list(ListBox(current, json: true))
    }

    /// Walks a definite path without collecting matches.
    func evaluateDefinite(on root: Value) -> Value {
        var value = root
        for step in steps {
            switch (step, value) {
            case (.name(let name), .map(let map)):
                guard let child = map[name] else { return .null }
                value = child
            case (.index(let i), .list(let list)):
                let position = i < 0 ? list.items.count + i : i
                guard position >= 0, position < list.items.count else { return .null }
                value = list.items[position]
            case (.length, .list(let list)): value = .int(list.items.count)
            case (.length, .map(let map)): value = .int(map.count)
            case (.length, .string(let s)): value = .int(s.utf16.count)
            default: return .null
            }
        }
        return value
    }

    static func apply(_ step: Step, to value: Value, root: Value, into out: inout [Value])
        throws(RegexWorkLimitExceeded)
    {
        switch step {
        case .name(let name):
            if case .map(let map) = value, let child = map[name] { out.append(child) }
        case .names(let names):
            if case .map(let map) = value {
                for name in names { if let child = map[name] { out.append(child) } }
            }
        case .index(let i):
            if case .list(let list) = value {
                let position = i < 0 ? list.items.count + i : i
                if position >= 0, position < list.items.count { out.append(list.items[position]) }
            }
        case .indexes(let indexes):
            for i in indexes { try apply(.index(i), to: value, root: root, into: &out) }
        case .slice(let from, let to):
            if case .list(let list) = value {
                let count = list.items.count
                var start = from ?? 0
                var end = to ?? count
                if start < 0 { start = max(0, count + start) }
                if end < 0 { end = max(0, count + end) }
                start = min(start, count)
                end = min(end, count)
                if start < end { out.append(contentsOf: list.items[start..<end]) }
            }
        case .wildcard:
            switch value {
            case .map(let map): for key in map.keys { out.append(map[key] ?? .null) }
            case .list(let list): out.append(contentsOf: list.items)
            default: break
            }
        case .descendants(let inner):
            try apply(inner, to: value, root: root, into: &out)
            switch value {
            case .map(let map): for key in map.keys { try apply(step, to: map[key] ?? .null, root: root, into: &out) }
            case .list(let list): for item in list.items { try apply(step, to: item, root: root, into: &out) }
            default: break
            }
        case .filter(let filter):
            switch value {
            case .list(let list):
                for item in list.items where try filter.matches(item, root: root) { out.append(item) }
            case .map:
                if try filter.matches(value, root: root) { out.append(value) }
            default: break
            }
        case .length:
            switch value {
            case .list(let list): out.append(.int(list.items.count))
            case .map(let map): out.append(.int(map.count))
            case .string(let s): out.append(.int(s.utf16.count))
            default: break
            }
        }
    }
}

/// A filter expression `?( … )`.
indirect enum FilterExpr {
    case exists(FilterOperand)
    case compare(FilterOperand, String, FilterOperand)
    /// `operand =~ /pattern/flags`: the operand is a string (or a number or boolean, in its Java text) that the
    /// pattern matches whole, or a list with such an element.
    case matchesRegex(FilterOperand, NSRegularExpression)
    case and(FilterExpr, FilterExpr)
    case or(FilterExpr, FilterExpr)
    case not(FilterExpr)

    func matches(_ item: Value, root: Value) throws(RegexWorkLimitExceeded) -> Bool {
        switch self {
        case .exists(let operand):
            return try operand.resolve(item: item, root: root) != nil
        case .and(let a, let b):
            guard try a.matches(item, root: root) else { return false }
            return try b.matches(item, root: root)
        case .or(let a, let b):
            if try a.matches(item, root: root) { return true }
            return try b.matches(item, root: root)
        case .not(let a): return try !a.matches(item, root: root)
        case .matchesRegex(let operand, let regex):
            guard let value = try operand.resolve(item: item, root: root) else { return false }
            guard case .list(let list) = value else { return try Self.matches(regex, value) }
            for element in list.items where try Self.matches(regex, element) { return true }
            return false
        case .compare(let lhs, let op, let rhs):
            guard let left = try lhs.resolve(item: item, root: root),
                let right = try rhs.resolve(item: item, root: root)
            else {
                return op == "!="
            }
            return FilterExpr.compare(left, op, right)
        }
    }

    /// Whether `regex` matches the whole of `value`: a string, or a number or boolean in its Java text.
    static func matches(_ regex: NSRegularExpression, _ value: Value) throws(RegexWorkLimitExceeded) -> Bool {
        let text: String
        switch value {
        case .string(let string): text = string
        case .int(let number): text = JavaFormat.int(number)
        case .double(let number): text = JavaFormat.double(number)
        case .bool(let flag): text = flag ? "true" : "false"
        default: return false
        }
        return try regex.javaMatches(text) {
            try? NSRegularExpression(pattern: "(?:" + regex.pattern + ")\\z", options: regex.options)
        }
    }

    static func compare(_ left: Value, _ op: String, _ right: Value) -> Bool {
        let ordering: Int?
        switch (left, right) {
        case (.int(let a), .int(let b)): ordering = a < b ? -1 : (a == b ? 0 : 1)
        case (.int(let a), .double(let b)): ordering = Renderer.order(Double(a), b)
        case (.double(let a), .int(let b)): ordering = Renderer.order(a, Double(b))
        case (.double(let a), .double(let b)): ordering = Renderer.order(a, b)
        case (.string(let a), .string(let b)): ordering = a < b ? -1 : (a == b ? 0 : 1)
        case (.bool(let a), .bool(let b)): ordering = a == b ? 0 : nil
        case (.null, .null): ordering = 0
        default: ordering = nil
        }
        switch op {
        case "==": return ordering == 0
        case "!=": return ordering != 0
        case "<": return ordering.map { $0 < 0 } ?? false
        case "<=": return ordering.map { $0 <= 0 } ?? false
        case ">": return ordering.map { $0 > 0 } ?? false
        case ">=": return ordering.map { $0 >= 0 } ?? false
        default: return false
        }
    }
}

/// An operand in a filter: `@.path`, `$.path` or a literal.
enum FilterOperand {
    case current([JSONPath.Step])
    case root([JSONPath.Step])
    case literal(Value)

    /// The operand's value, or nil when a path matches nothing.
    func resolve(item: Value, root: Value) throws(RegexWorkLimitExceeded) -> Value? {
        switch self {
        case .literal(let value): return value
        case .current(let steps): return try Self.follow(steps, from: item, root: root)
        case .root(let steps): return try Self.follow(steps, from: root, root: root)
        }
    }

    static func follow(_ steps: [JSONPath.Step], from start: Value, root: Value) throws(RegexWorkLimitExceeded)
        -> Value?
    {
        var current = [start]
        for step in steps {
            var next: [Value] = []
            for value in current { try JSONPath.apply(step, to: value, root: root, into: &next) }
            current = next
        }
        return current.first
    }
}

struct PathParser {
    let bytes: [UInt8]
    var pos = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func fail(_ message: String) -> JSONPath.Failure {
        JSONPath.Failure(message: "\(message) at position \(pos)")
    }

    mutating func parsePath() throws(JSONPath.Failure) -> [JSONPath.Step] {
        skipSpaces()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "$") {
            pos += 1
        } else if pos < bytes.count, bytes[pos] != UInt8(ascii: ".") && bytes[pos] != UInt8(ascii: "[") {
            var steps = [try parseName()]
            steps += try parseSteps(stopAt: nil)
            return steps
        } else if pos >= bytes.count {
            throw fail("empty path")
        }
        let steps = try parseSteps(stopAt: nil)
        skipSpaces()
        guard pos == bytes.count else { throw fail("unexpected character") }
        return steps
    }

    mutating func skipSpaces() {
        while pos < bytes.count, bytes[pos] == UInt8(ascii: " ") { pos += 1 }
    }

    /// Steps until the end, or (inside filters) until a byte that cannot continue a path.
    mutating func parseSteps(stopAt: Set<UInt8>?) throws(JSONPath.Failure) -> [JSONPath.Step] {
        var steps: [JSONPath.Step] = []
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: ".") {
                if pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: ".") {
                    pos += 2
                    if pos < bytes.count, bytes[pos] == UInt8(ascii: "[") {
                        steps.append(.descendants(try parseBracket()))
                    } else if pos < bytes.count, bytes[pos] == UInt8(ascii: "*") {
                        pos += 1
                        steps.append(.descendants(.wildcard))
                    } else {
                        steps.append(.descendants(try parseName()))
                    }
                    continue
                }
                pos += 1
                if pos < bytes.count, bytes[pos] == UInt8(ascii: "*") {
                    pos += 1
                    steps.append(.wildcard)
                } else if pos < bytes.count, bytes[pos] == UInt8(ascii: "[") {
                    steps.append(try parseBracket())
                } else {
                    let name = try parseName()
                    if case .name("length") = name, matchesParens() {
                        steps.append(.length)
                    } else {
                        steps.append(name)
                    }
                }
            } else if c == UInt8(ascii: "[") {
                steps.append(try parseBracket())
            } else if let stopAt, stopAt.contains(c) || c == UInt8(ascii: " ") {
                return steps
            } else {
                throw fail("unexpected character '\(Character(Unicode.Scalar(c)))'")
            }
        }
        return steps
    }

    mutating func matchesParens() -> Bool {
        if pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "("), bytes[pos + 1] == UInt8(ascii: ")") {
            pos += 2
            return true
        }
        return false
    }

    mutating func parseName() throws(JSONPath.Failure) -> JSONPath.Step {
        let start = pos
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "[") || c == UInt8(ascii: " ") || c == UInt8(ascii: ")")
                || c == UInt8(ascii: "=") || c == UInt8(ascii: "!") || c == UInt8(ascii: "<") || c == UInt8(ascii: ">")
                || c == UInt8(ascii: "&") || c == UInt8(ascii: "|") || c == UInt8(ascii: "(")
            {
                break
            }
            pos += 1
        }
        guard pos > start else { throw fail("expected a property name") }
        return .name(String(decoding: bytes[start..<pos], as: UTF8.self))
    }

    mutating func parseBracket() throws(JSONPath.Failure) -> JSONPath.Step {
        pos += 1
        skipSpaces()
        guard pos < bytes.count else { throw fail("unterminated '['") }
        let c = bytes[pos]
        let step: JSONPath.Step
        if c == UInt8(ascii: "*") {
            pos += 1
            step = .wildcard
        } else if c == UInt8(ascii: "?") {
            pos += 1
            skipSpaces()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "(") else { throw fail("expected '(' after '?'") }
            pos += 1
            let filter = try parseFilterOr()
            skipSpaces()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ")") else {
                throw fail("expected ')' to close the filter")
            }
            pos += 1
            step = .filter(filter)
        } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
            var names = [try parseQuoted()]
            skipSpaces()
            while pos < bytes.count, bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                skipSpaces()
                names.append(try parseQuoted())
                skipSpaces()
            }
            step = names.count == 1 ? .name(names[0]) : .names(names)
        } else {
            step = try parseIndexOrSlice()
        }
        skipSpaces()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "]") else { throw fail("expected ']'") }
        pos += 1
        return step
    }

    mutating func parseQuoted() throws(JSONPath.Failure) -> String {
        guard pos < bytes.count else { throw fail("expected a quoted name") }
        let quote = bytes[pos]
        guard quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { throw fail("expected a quoted name") }
        pos += 1
        var out: [UInt8] = []
        while pos < bytes.count, bytes[pos] != quote {
            if bytes[pos] == UInt8(ascii: "\\"), pos + 1 < bytes.count {
                pos += 1
            }
            out.append(bytes[pos])
            pos += 1
        }
        guard pos < bytes.count else { throw fail("unterminated quoted name") }
        pos += 1
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseInt() -> Int? {
        skipSpaces()
        let start = pos
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        let value = Int(String(decoding: bytes[start..<pos], as: UTF8.self))
        if value == nil { pos = start }
        skipSpaces()
        return value
    }

    mutating func parseIndexOrSlice() throws(JSONPath.Failure) -> JSONPath.Step {
        let first = parseInt()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ":") {
            pos += 1
            let second = parseInt()
            return .slice(first, second)
        }
        guard let first else { throw fail("expected an index") }
        var indexes = [first]
        while pos < bytes.count, bytes[pos] == UInt8(ascii: ",") {
            pos += 1
            guard let next = parseInt() else { throw fail("expected an index") }
            indexes.append(next)
        }
        return indexes.count == 1 ? .index(first) : .indexes(indexes)
    }

    // MARK: Filters

    mutating func parseFilterOr() throws(JSONPath.Failure) -> FilterExpr {
        var left = try parseFilterAnd()
        while match("||") { left = .or(left, try parseFilterAnd()) }
        return left
    }

    mutating func parseFilterAnd() throws(JSONPath.Failure) -> FilterExpr {
        var left = try parseFilterUnary()
        while match("&&") { left = .and(left, try parseFilterUnary()) }
        return left
    }

    mutating func parseFilterUnary() throws(JSONPath.Failure) -> FilterExpr {
        skipSpaces()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "!"),
            !(pos + 1 < bytes.count && bytes[pos + 1] == UInt8(ascii: "="))
        {
            pos += 1
            return .not(try parseFilterUnary())
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "(") {
            pos += 1
            let inner = try parseFilterOr()
            skipSpaces()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ")") else { throw fail("expected ')'") }
            pos += 1
            return inner
        }
        let left = try parseOperand()
        skipSpaces()
        if match("=~") { return .matchesRegex(left, try parseRegex()) }
        for op in ["==", "!=", "<=", ">=", "<", ">"] where match(op) {
            return .compare(left, op, try parseOperand())
        }
        return .exists(left)
    }

    /// A regular expression literal `/pattern/flags`, as Jayway writes them: `\/` is a slash inside the pattern, and
    /// the flags are Java's `i` (case-insensitive), `m` (multi-line), `s` (dot matches newlines) and `x` (comments).
    mutating func parseRegex() throws(JSONPath.Failure) -> NSRegularExpression {
        skipSpaces()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "/") else { throw fail("expected /pattern/ after =~") }
        pos += 1
        var pattern: [UInt8] = []
        while pos < bytes.count, bytes[pos] != UInt8(ascii: "/") {
            if bytes[pos] == UInt8(ascii: "\\"), pos + 1 < bytes.count, bytes[pos + 1] == UInt8(ascii: "/") {
                pos += 1
            }
            pattern.append(bytes[pos])
            pos += 1
        }
        guard pos < bytes.count else { throw fail("unterminated regular expression") }
        pos += 1
        var options: NSRegularExpression.Options = []
        while pos < bytes.count, let option = Self.regexFlags[bytes[pos]] {
            options.insert(option)
            pos += 1
        }
        let text = String(decoding: pattern, as: UTF8.self)
        do {
            return try NSRegularExpression(javaPattern: text, options: options)
        } catch {
            throw fail("invalid regular expression /\(text)/")
        }
    }

    static let regexFlags: [UInt8: NSRegularExpression.Options] = [
        UInt8(ascii: "i"): .caseInsensitive, UInt8(ascii: "m"): .anchorsMatchLines,
        UInt8(ascii: "s"): .dotMatchesLineSeparators, UInt8(ascii: "x"): .allowCommentsAndWhitespace,
    ]

    mutating func match(_ symbol: String) -> Bool {
        skipSpaces()
        let symbolBytes = Array(symbol.utf8)
        guard pos + symbolBytes.count <= bytes.count, Array(bytes[pos..<(pos + symbolBytes.count)]) == symbolBytes
        else { return false }
        pos += symbolBytes.count
        return true
    }

    mutating func parseOperand() throws(JSONPath.Failure) -> FilterOperand {
        skipSpaces()
        guard pos < bytes.count else { throw fail("expected an operand") }
        let c = bytes[pos]
        let stops: Set<UInt8> = Set(" =!<>&|)".utf8)
        switch c {
        case UInt8(ascii: "@"):
            pos += 1
            return .current(try parseSteps(stopAt: stops))
        case UInt8(ascii: "$"):
            pos += 1
            return .root(try parseSteps(stopAt: stops))
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .literal(.string(try parseQuoted()))
        default:
            let start = pos
            while pos < bytes.count, !stops.contains(bytes[pos]) { pos += 1 }
            let word = String(decoding: bytes[start..<pos], as: UTF8.self)
            switch word {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            default:
                if let i = Int(word) { return .literal(.int(i)) }
                if let d = Double(word) { return .literal(.double(d)) }
                throw fail("unexpected '\(word)' in a filter")
            }
        }
    }
}
