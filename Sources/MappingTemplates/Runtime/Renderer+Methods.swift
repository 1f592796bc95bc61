import Foundation

extension Renderer {
    /// `$a.name`: a map key, or a Java bean getter (`getName()` / `isName()`); null when there is none.
    mutating func property(_ name: String, of value: Value, at offset: Int) throws(TemplateError) -> Value {
        switch value {
        case .map(let map):
            return map[name] ?? .null
        case .input:
            return name == "body" ? .string(bodyText) : .null
        case .loop(let state):
            switch name {
            case "index": return .int(state.index)
            case "count": return .int(state.count)
            case "hasNext": return .bool(state.hasNext)
            case "first": return .bool(state.index == 0)
            case "last": return .bool(!state.hasNext)
            case "parent": return state.parent.map { .loop($0.state) } ?? .null
            case "topmost": return .loop(state.topmost)
            default: return .null
            }
        case .entry(let key, let item):
            switch name {
            case "key": return .string(key)
            case "value": return item
            default: return .null
            }
        case .string(let s):
            return name == "empty" ? .bool(s.isEmpty) : .null
        case .list(let list):
            return name == "empty" ? .bool(list.items.isEmpty) : .null
        default:
            return .null
        }
    }

    /// `$a.name(args)`: the Java method of the value's type; null when the type has no such method (or not with that
    /// many arguments), as Velocity's invalid method references are.
    mutating func call(_ name: String, on value: Value, _ arguments: [Value], at offset: Int) throws(TemplateError)
        -> Value
    {
        try step(at: offset)
        let result: Value?
        switch value {
        case .string(let s): result = try stringMethod(name, s, arguments, at: offset)
        case .map(let map): result = try mapMethod(name, map, arguments, at: offset)
        case .list(let list): result = try listMethod(name, list, arguments, at: offset)
        case .input: result = try inputMethod(name, arguments, at: offset)
        case .util: result = try utilMethod(name, arguments, at: offset)
        case .loop(let state):
            switch (name, arguments.count) {
            case ("hasNext", 0): result = .bool(state.hasNext)
            case ("getIndex", 0): result = .int(state.index)
            case ("getCount", 0): result = .int(state.count)
            case ("isFirst", 0): result = .bool(state.index == 0)
            case ("isLast", 0): result = .bool(!state.hasNext)
            case ("getParent", 0): result = state.parent.map { .loop($0.state) } ?? .null
            case ("getTopmost", 0): result = .loop(state.topmost)
            default: result = nil
            }
        case .entry(let key, let item):
            switch (name, arguments.count) {
            case ("getKey", 0): result = .string(key)
            case ("getValue", 0): result = item
            default: result = nil
            }
        case .int(let i):
            switch (name, arguments.count) {
            case ("intValue", 0), ("longValue", 0): result = .int(i)
            case ("doubleValue", 0), ("floatValue", 0): result = .double(Double(i))
            default: result = nil
            }
        case .double(let d):
            switch (name, arguments.count) {
            case ("intValue", 0), ("longValue", 0):
                result = .int(d.isFinite ? Int(max(min(d, 9.2e18), -9.2e18)) : 0)
            case ("doubleValue", 0), ("floatValue", 0): result = .double(d)
            default: result = nil
            }
        case .bool(let b):
            result = (name == "booleanValue" && arguments.isEmpty) ? .bool(b) : nil
        default:
            result = nil
        }
        if let result { return result }
        switch (name, arguments.count) {
        case ("toString", 0): return .string(try display(value, at: offset))
        case ("equals", 1): return .bool(try equals(value, arguments[0], at: offset))
        default:
            // Velocity finds no such method and the reference is invalid: null, which API Gateway prints as empty.
            return .null
        }
    }

    mutating func stringArgument(_ arguments: [Value], _ index: Int, at offset: Int) throws(TemplateError) -> String {
        try display(arguments[index], at: offset)
    }

    mutating func intArgument(_ arguments: [Value], _ index: Int, at offset: Int) throws(TemplateError) -> Int {
        switch arguments[index] {
        case .int(let i): return i
        case .string(let s):
            guard let i = Int(s) else { throw runtimeError("expected an integer argument, got \"\(s)\"", at: offset) }
            return i
        default: throw runtimeError("expected an integer argument", at: offset)
        }
    }

    mutating func stringMethod(_ name: String, _ s: String, _ arguments: [Value], at offset: Int) throws(TemplateError)
        -> Value?
    {
        switch (name, arguments.count) {
        case ("length", 0): return .int(s.utf16.count)
        case ("isEmpty", 0): return .bool(s.isEmpty)
        case ("trim", 0):
            // Java trims UTF-16 units <= U+0020; those are ASCII, and in UTF-8 such bytes are never part of a
            // longer sequence, so trimming the UTF-8 bytes gives the same string.
            let bytes = s.utf8
            guard let first = bytes.firstIndex(where: { $0 > 0x20 }) else { return .string("") }
            let end = bytes.index(after: bytes.lastIndex(where: { $0 > 0x20 })!)
            if first == bytes.startIndex, end == bytes.endIndex { return .string(s) }
            return .string(String(s.unicodeScalars[first..<end]))
        case ("toLowerCase", 0): return .string(s.lowercased())
        case ("toUpperCase", 0): return .string(s.uppercased())
        case ("contains", 1):
            return .bool(Self.indexOf(try stringArgument(arguments, 0, at: offset), in: s, from: 0, last: false) >= 0)
        case ("startsWith", 1): return .bool(s.utf16.starts(with: try stringArgument(arguments, 0, at: offset).utf16))
        case ("endsWith", 1):
            let suffix = try stringArgument(arguments, 0, at: offset).utf16
            return .bool(s.utf16.count >= suffix.count && s.utf16.suffix(suffix.count).elementsEqual(suffix))
        case ("equalsIgnoreCase", 1):
            return .bool(s.lowercased() == (try stringArgument(arguments, 0, at: offset)).lowercased())
        case ("concat", 1):
            let text = s + (try stringArgument(arguments, 0, at: offset))
            try checkSize(text, at: offset)
            return .string(text)
        case ("indexOf", 1), ("indexOf", 2), ("lastIndexOf", 1):
            let from = arguments.count == 2 ? try intArgument(arguments, 1, at: offset) : 0
            return .int(
                Self.indexOf(
                    try stringArgument(arguments, 0, at: offset), in: s, from: from, last: name == "lastIndexOf"))
        case ("charAt", 1):
            let units = Array(s.utf16)
            let i = try intArgument(arguments, 0, at: offset)
            guard i >= 0, i < units.count else {
                throw runtimeError("index \(i) out of range for length \(units.count)", at: offset)
            }
            return .string(String(decoding: [units[i]], as: UTF16.self))
        case ("substring", 1), ("substring", 2):
            let units = Array(s.utf16)
            let begin = try intArgument(arguments, 0, at: offset)
            let end = arguments.count == 2 ? try intArgument(arguments, 1, at: offset) : units.count
            guard begin >= 0, end <= units.count, begin <= end else {
                throw runtimeError("substring(\(begin), \(end)) out of range for length \(units.count)", at: offset)
            }
            return .string(String(decoding: units[begin..<end], as: UTF16.self))
        case ("replace", 2):
            let target = try stringArgument(arguments, 0, at: offset)
            let replacement = try stringArgument(arguments, 1, at: offset)
            let text = Self.replaceLiteral(target, with: replacement, in: s)
            try checkSize(text, at: offset)
            return .string(text)
        case ("replaceAll", 2), ("replaceFirst", 2):
            let regex = try regex(try stringArgument(arguments, 0, at: offset), at: offset)
            let template = Self.regexTemplate(fromJava: try stringArgument(arguments, 1, at: offset))
            let ns = s as NSString
            let whole = NSRange(location: 0, length: ns.length)
            // The matches are found under the work limit; the replacement then only copies them.
            let matches = try bounded(at: offset) { () throws(RegexWorkLimitExceeded) in
                try regex.boundedMatches(in: s, range: whole, limit: name == "replaceAll" ? .max : 1)
            }
            var text = ""
            var start = 0
            for match in matches {
                text += ns.substring(with: NSRange(location: start, length: match.range.location - start))
                text += regex.replacementString(
                    for: match, in: s, offset: 0, template: template)
                start = match.range.location + match.range.length
            }
            text += ns.substring(from: start)
            try checkSize(text, at: offset)
            return .string(text)
        case ("matches", 1):
            let pattern = try stringArgument(arguments, 0, at: offset)
            let regex = try regex(pattern, at: offset)
            return .bool(
                try bounded(at: offset) { () throws(RegexWorkLimitExceeded) in
                    try regex.javaMatches(s) { try? self.regex("(?:" + pattern + ")\\z", at: offset) }
                })
        case ("split", 1), ("split", 2):
            let limit = arguments.count == 2 ? try intArgument(arguments, 1, at: offset) : 0
            let parts = try split(s, pattern: try stringArgument(arguments, 0, at: offset), limit: limit, at: offset)
            return .list(ListBox(parts.map { .string($0) }, json: false))
        default:
            return nil
        }
    }

    static func indexOf(_ needle: String, in haystack: String, from: Int, last: Bool) -> Int {
        let h = Array(haystack.utf16)
        let n = Array(needle.utf16)
        let lastStart = h.count - n.count
        guard lastStart >= 0 else { return -1 }
        if last {
            var i = lastStart
            while i >= 0 {
                if h[i..<(i + n.count)].elementsEqual(n) { return i }
                i -= 1
            }
            return -1
        }
        var i = max(0, from)
        while i <= lastStart {
            if h[i..<(i + n.count)].elementsEqual(n) { return i }
            i += 1
        }
        return -1
    }

    static func replaceLiteral(_ target: String, with replacement: String, in s: String) -> String {
        if target.isEmpty {
            var out = replacement
            for character in s.utf16 {
                out += String(decoding: [character], as: UTF16.self)
                out += replacement
            }
            return out
        }
        return s.replacingOccurrences(of: target, with: replacement, options: .literal)
    }

    /// Java replacement strings use `$1` and `\` escapes, like NSRegularExpression templates.
    static func regexTemplate(fromJava replacement: String) -> String { replacement }

    /// Runs a regular expression operation, turning a blown work limit into a template ``TemplateError/Kind/limit``
    /// error at `offset`.
    func bounded<Result>(
        at offset: Int, _ operation: () throws(RegexWorkLimitExceeded) -> Result
    ) throws(TemplateError) -> Result {
        do {
            return try operation()
        } catch {
            throw template.locator.error(.limit, at: offset, error.message)
        }
    }

    mutating func regex(_ pattern: String, at offset: Int) throws(TemplateError) -> NSRegularExpression {
        if let cached = template.regexCache.value(for: pattern) { return cached }
        do {
            let compiled = try NSRegularExpression(javaPattern: pattern)
            template.regexCache.store(compiled, for: pattern)
            return compiled
        } catch {
            throw runtimeError("invalid regular expression '\(pattern)'", at: offset)
        }
    }

    /// Java's `String.split`: trailing empty strings are removed when `limit` is 0. A pattern that only matches
    /// itself (such as `,` or `\n`, the usual ones) is split on its UTF-8 bytes without the regex engine.
    mutating func split(_ s: String, pattern: String, limit: Int, at offset: Int) throws(TemplateError) -> [String] {
        var parts: [String]
        if let literal = Self.literalPattern(pattern) {
            parts = Self.split(s, literal: literal, limit: limit)
        } else {
            let regex = try regex(pattern, at: offset)
            let ns = s as NSString
            parts = []
            var start = 0
            let matches = try bounded(at: offset) { () throws(RegexWorkLimitExceeded) in
                try regex.boundedMatches(in: s, range: NSRange(location: 0, length: ns.length))
            }
            for match in matches {
                if limit > 0, parts.count == limit - 1 { break }
                if match.range.length == 0 && match.range.location == 0 { continue }
                if match.range.length == 0 && match.range.location >= ns.length { continue }
                parts.append(ns.substring(with: NSRange(location: start, length: match.range.location - start)))
                start = match.range.location + match.range.length
            }
            parts.append(ns.substring(from: start))
        }
        if limit == 0 {
            while let last = parts.last, last.isEmpty {
                parts.removeLast()
            }
            if parts.isEmpty && s.isEmpty { return [""] }
        }
        return parts
    }

    /// The text a regular expression matches when it matches only one text: no metacharacters other than
    /// backslash-escaped punctuation and the escapes `\n`, `\t`, `\r`, `\f`. Nil for anything else (classes,
    /// anchors, `\d`, …) and for the empty pattern.
    static func literalPattern(_ pattern: String) -> String? {
        var literal = String.UnicodeScalarView()
        var scalars = pattern.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch scalar {
            case "\\":
                guard let escaped = scalars.next() else { return nil }
                switch escaped {
                case "n": literal.append("\n")
                case "t": literal.append("\t")
                case "r": literal.append("\r")
                case "f": literal.append("\u{0C}")
                default:
                    guard escaped.isASCII, !escaped.properties.isAlphabetic, !("0"..."9").contains(escaped) else {
                        return nil
                    }
                    literal.append(escaped)
                }
            case "^", "$", ".", "|", "?", "*", "+", "(", ")", "[", "]", "{", "}":
                return nil
            default:
                literal.append(scalar)
            }
        }
        return literal.isEmpty ? nil : String(literal)
    }

    /// `s` split at every occurrence of `separator` (non-empty), at most `limit` parts when `limit` > 0. Matching
    /// UTF-8 bytes finds the same places as Java's UTF-16 matching, since both match whole scalars.
    static func split(_ s: String, literal separator: String, limit: Int) -> [String] {
        var text = s
        var separator = separator
        return text.withUTF8 { bytes in
            separator.withUTF8 { sep in
                var parts: [String] = []
                var start = 0
                var i = 0
                while i + sep.count <= bytes.count {
                    if limit > 0, parts.count == limit - 1 { break }
                    if memcmp(bytes.baseAddress! + i, sep.baseAddress!, sep.count) == 0 {
                        parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
                        i += sep.count
                        start = i
                    } else {
                        i += 1
                    }
                }
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self))
                return parts
            }
        }
    }

    mutating func mapMethod(_ name: String, _ map: MapBox, _ arguments: [Value], at offset: Int) throws(TemplateError)
        -> Value?
    {
        func key(_ index: Int) throws(TemplateError) -> String {
            arguments[index].isNull ? "" : try javaString(arguments[index], at: offset)
        }
        switch (name, arguments.count) {
        case ("get", 1): return map[try key(0)] ?? .null
        case ("getOrDefault", 2): return map[try key(0)] ?? arguments[1]
        case ("put", 2): return map.put(try key(0), arguments[1])
        case ("putAll", 1):
            if case .map(let other) = arguments[0] {
                for k in other.keys { map.put(k, other[k] ?? .null) }
            }
            return .null
        case ("remove", 1): return map.remove(try key(0))
        case ("containsKey", 1): return .bool(map[try key(0)] != nil)
        case ("containsValue", 1):
            for k in map.keys where try equals(map[k] ?? .null, arguments[0], at: offset) { return .bool(true) }
            return .bool(false)
        case ("keySet", 0): return .list(ListBox(map.keys.map { .string($0) }, json: false))
        case ("values", 0): return .list(ListBox(map.keys.map { map[$0] ?? .null }, json: false))
        case ("entrySet", 0): return .list(ListBox(map.keys.map { .entry($0, map[$0] ?? .null) }, json: false))
        case ("size", 0): return .int(map.count)
        case ("isEmpty", 0): return .bool(map.count == 0)
        case ("clear", 0):
            map.removeAll()
            return .null
        default: return nil
        }
    }

    mutating func listMethod(_ name: String, _ list: ListBox, _ arguments: [Value], at offset: Int)
        throws(TemplateError) -> Value?
    {
        switch (name, arguments.count) {
        case ("get", 1): return list.items[try methodIndex(arguments[0], count: list.items.count, at: offset)]
        case ("size", 0): return .int(list.items.count)
        case ("isEmpty", 0): return .bool(list.items.isEmpty)
        case ("add", 1):
            list.items.append(arguments[0])
            return .bool(true)
        case ("add", 2):
            let i = try intArgument(arguments, 0, at: offset)
            guard i >= 0, i <= list.items.count else {
                throw runtimeError("index \(i) out of bounds for length \(list.items.count)", at: offset)
            }
            list.items.insert(arguments[1], at: i)
            return .null
        case ("addAll", 1):
            guard case .list(let other) = arguments[0] else { throw runtimeError("addAll needs a list", at: offset) }
            list.items.append(contentsOf: other.items)
            return .bool(!other.items.isEmpty)
        case ("set", 2):
            let i = try methodIndex(arguments[0], count: list.items.count, at: offset)
            let previous = list.items[i]
            list.items[i] = arguments[1]
            return previous
        case ("remove", 1):
            if case .int = arguments[0] {
                let i = try methodIndex(arguments[0], count: list.items.count, at: offset)
                return list.items.remove(at: i)
            }
            for (i, item) in list.items.enumerated() where try equals(item, arguments[0], at: offset) {
                list.items.remove(at: i)
                return .bool(true)
            }
            return .bool(false)
        case ("contains", 1):
            for item in list.items where try equals(item, arguments[0], at: offset) { return .bool(true) }
            return .bool(false)
        case ("indexOf", 1):
            for (i, item) in list.items.enumerated() where try equals(item, arguments[0], at: offset) { return .int(i) }
            return .int(-1)
        case ("clear", 0):
            list.items.removeAll()
            return .null
        case ("subList", 2):
            let from = try intArgument(arguments, 0, at: offset)
            let to = try intArgument(arguments, 1, at: offset)
            guard from >= 0, to <= list.items.count, from <= to else {
                throw runtimeError("subList(\(from), \(to)) out of bounds", at: offset)
            }
            return .list(ListBox(Array(list.items[from..<to]), json: list.json))
        default: return nil
        }
    }
}
