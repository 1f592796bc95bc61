/// Parses Velocity template text (API Gateway's dialect) into ``Node``s.
///
/// The lexical rules follow Velocity 1.7's grammar, which decides API Gateway's whitespace:
/// spaces before `#set` vanish when they start a token, a directive's closing `)` swallows trailing spaces and
/// one newline, `#else` / `#end` swallow trailing spaces and one newline, `##` comments swallow their newline.
struct Parser {
    let src: [UInt8]
    var pos = 0
    let slots: SlotTable
    /// Offset of `src` inside the template source (non-zero for interpolated string literals).
    let base: Int
    /// Inside an interpolated string literal a lone trailing `$` or `#` is text.
    let interpolating: Bool
    let locator: SourceLocator

    init(_ bytes: [UInt8], slots: SlotTable, base: Int = 0, interpolating: Bool = false, locator: SourceLocator) {
        self.src = bytes
        self.slots = slots
        self.base = base
        self.interpolating = interpolating
        self.locator = locator
    }

    enum Terminator {
        case eof
        case end
        case otherwise
        case elseIf(Expr)
    }

    func fail(_ message: String, at offset: Int? = nil) -> TemplateError {
        locator.error(.syntax, at: base + (offset ?? pos), message)
    }

    /// Parses the whole input; a stray `#end`, `#else` or `#elseif` is an error.
    mutating func parseTemplate() throws(TemplateError) -> [Node] {
        let start = pos
        let (nodes, terminator) = try parseBlock()
        switch terminator {
        case .eof: return nodes
        case .end: throw fail("#end without a matching directive", at: lastDirectiveStart ?? start)
        case .otherwise, .elseIf: throw fail("#else or #elseif without #if", at: lastDirectiveStart ?? start)
        }
    }

    var lastDirectiveStart: Int?

    // MARK: Blocks

    mutating func parseBlock() throws(TemplateError) -> ([Node], Terminator) {
        var nodes: [Node] = []
        var text: [UInt8] = []
        func flush() {
            if !text.isEmpty {
                nodes.append(.text(String(decoding: text, as: UTF8.self)))
                text.removeAll(keepingCapacity: true)
            }
        }
        while pos < src.count {
            let c = src[pos]
            switch c {
            case UInt8(ascii: "#"):
                if let result = try parseHash(into: &text) {
                    switch result {
                    case .node(let node):
                        flush()
                        nodes.append(node)
                    case .terminator(let terminator):
                        flush()
                        return (nodes, terminator)
                    case .nothing:
                        break
                    }
                }
            case UInt8(ascii: "$"):
                if let node = try parseDollar(backslashes: 0) {
                    flush()
                    nodes.append(node)
                } else {
                    text.append(c)
                    pos += 1
                }
            case UInt8(ascii: "\\"):
                if let node = try parseBackslashes(into: &text) {
                    flush()
                    nodes.append(node)
                }
            default:
                if let setStart = setDirectiveAfterBlanks(at: pos) {
                    pos = setStart
                    continue
                }
                while pos < src.count {
                    let b = src[pos]
                    if b == UInt8(ascii: "#") || b == UInt8(ascii: "$") || b == UInt8(ascii: "\\") { break }
                    text.append(b)
                    pos += 1
                }
            }
        }
        flush()
        return (nodes, .eof)
    }

    /// Velocity's `SET_DIRECTIVE` token starts with `[ \t]*`: blanks that begin a token before `#set(` vanish.
    func setDirectiveAfterBlanks(at start: Int) -> Int? {
        var p = start
        while p < src.count, src[p] == UInt8(ascii: " ") || src[p] == UInt8(ascii: "\t") { p += 1 }
        guard p > start, p < src.count, src[p] == UInt8(ascii: "#") else { return nil }
        return setOpening(at: p) != nil ? p : nil
    }

    /// If `#set (` or `#{set} (` starts at `p`, the offset after its `(`.
    func setOpening(at p: Int) -> Int? {
        var q: Int
        if matches("#set", at: p) {
            q = p + 4
        } else if matches("#{set}", at: p) {
            q = p + 6
        } else {
            return nil
        }
        while q < src.count, src[q] == UInt8(ascii: " ") { q += 1 }
        guard q < src.count, src[q] == UInt8(ascii: "(") else { return nil }
        return q + 1
    }

    func matches(_ literal: StaticString, at p: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard p + count <= src.count else { return false }
        return literal.withUTF8Buffer { buffer in
            for i in 0..<count where src[p + i] != buffer[i] { return false }
            return true
        }
    }

    /// After a directive's `)`, `#else` or `#end`: blanks and one newline are swallowed if a newline follows.
    mutating func swallowLineEnd() {
        var p = pos
        while p < src.count, src[p] == UInt8(ascii: " ") || src[p] == UInt8(ascii: "\t") { p += 1 }
        guard p < src.count else { return }
        if src[p] == UInt8(ascii: "\n") {
            pos = p + 1
        } else if src[p] == UInt8(ascii: "\r") {
            pos = p + 1
            if pos < src.count, src[pos] == UInt8(ascii: "\n") { pos += 1 }
        }
    }

    // MARK: Escapes

    /// Backslashes before `$` or `#` escape them (Velocity's rules); elsewhere they print as written.
    /// Returns an escaped reference node, or nil after appending text.
    mutating func parseBackslashes(into text: inout [UInt8]) throws(TemplateError) -> Node? {
        let start = pos
        var p = pos
        while p < src.count, src[p] == UInt8(ascii: "\\") { p += 1 }
        let count = p - start
        guard p < src.count else {
            text.append(contentsOf: src[start..<p])
            pos = p
            return nil
        }
        if src[p] == UInt8(ascii: "$") {
            pos = p
            if let node = try parseDollar(backslashes: count) { return node }
            text.append(contentsOf: src[start..<p])
            pos = p
            return nil
        }
        if src[p] == UInt8(ascii: "#"), let (word, end) = directiveWord(at: p) {
            if count % 2 == 1 {
                if Self.knownDirectives.contains(word) {
                    text.append(contentsOf: repeatElement(UInt8(ascii: "\\"), count: count / 2))
                } else {
                    text.append(contentsOf: src[start..<p])
                }
                text.append(contentsOf: src[p..<end])
                pos = end
                return nil
            }
            let control = Self.knownDirectives.contains(word)
            text.append(contentsOf: repeatElement(UInt8(ascii: "\\"), count: control ? count / 2 : count))
            pos = p
            return nil
        }
        text.append(contentsOf: src[start..<p])
        pos = p
        return nil
    }

    static let knownDirectives: Set<String> = [
        "if", "elseif", "else", "end", "set", "foreach", "include", "parse", "macro", "define", "evaluate",
        "break", "stop", "literal",
    ]

    /// The directive word after `#` at `p` (`#word` or `#{word}`) and the offset after it.
    func directiveWord(at p: Int) -> (String, Int)? {
        var q = p + 1
        guard q < src.count else { return nil }
        if src[q] == UInt8(ascii: "{") {
            q += 1
            guard q < src.count, isLetter(src[q]) || src[q] == UInt8(ascii: "_") else { return nil }
            let wordStart = q
            while q < src.count, isDirectiveChar(src[q]) { q += 1 }
            guard q < src.count, src[q] == UInt8(ascii: "}") else { return nil }
            return (String(decoding: src[wordStart..<q], as: UTF8.self), q + 1)
        }
        guard isLetter(src[q]) || src[q] == UInt8(ascii: "_") || src[q] == UInt8(ascii: "@") else { return nil }
        let wordStart = q
        while q < src.count, isDirectiveChar(src[q]) { q += 1 }
        return (String(decoding: src[wordStart..<q], as: UTF8.self), q)
    }

    // MARK: Directives

    enum HashResult {
        case node(Node)
        case terminator(Terminator)
        case nothing
    }

    mutating func parseHash(into text: inout [UInt8]) throws(TemplateError) -> HashResult? {
        let start = pos
        let next: UInt8? = pos + 1 < src.count ? src[pos + 1] : nil
        if next == UInt8(ascii: "#") {
            while pos < src.count, src[pos] != UInt8(ascii: "\n"), src[pos] != UInt8(ascii: "\r") { pos += 1 }
            if pos < src.count {
                if src[pos] == UInt8(ascii: "\r"), pos + 1 < src.count, src[pos + 1] == UInt8(ascii: "\n") { pos += 1 }
                pos += 1
            }
            return .nothing
        }
        if next == UInt8(ascii: "*") {
            guard let end = find("*#", from: pos + 2) else { throw fail("unterminated #* comment", at: start) }
            pos = end + 2
            return .nothing
        }
        if next == UInt8(ascii: "["), pos + 2 < src.count, src[pos + 2] == UInt8(ascii: "[") {
            guard let end = find("]]#", from: pos + 3) else { throw fail("unterminated #[[ text block", at: start) }
            text.append(contentsOf: src[(pos + 3)..<end])
            pos = end + 3
            return .nothing
        }
        guard let (word, afterWord) = directiveWord(at: pos) else {
            if next == nil && !interpolating { throw fail("lone '#' at the end of the template", at: start) }
            text.append(UInt8(ascii: "#"))
            pos += 1
            return .nothing
        }
        lastDirectiveStart = start
        switch word {
        case "set":
            guard let afterParen = setOpening(at: start) else { break }
            pos = afterParen
            return .node(try parseSet(start: start))
        case "if":
            pos = afterWord
            let condition = try parseCondition(directive: "#if")
            return .node(try parseConditional(first: condition, start: start))
        case "elseif":
            pos = afterWord
            return .terminator(.elseIf(try parseCondition(directive: "#elseif")))
        case "else":
            pos = afterWord
            swallowLineEnd()
            return .terminator(.otherwise)
        case "end":
            pos = afterWord
            swallowLineEnd()
            return .terminator(.end)
        case "foreach":
            pos = afterWord
            if let node = try parseForeach(start: start) { return .node(node) }
        case "define":
            pos = afterWord
            if let node = try parseDefine(start: start) { return .node(node) }
        case "macro":
            pos = afterWord
            if try parseMacro(start: start) { return .nothing }
        case "break":
            pos = afterWord
            return .node(.breakLoop)
        case "stop":
            pos = afterWord
            return .node(.stop)
        case "include", "parse":
            pos = afterWord
            if try skipDirectiveArguments() {
                return .node(
                    .unsupported(
                        "#\(word) is not supported: mapping templates have no file system", offset: base + start))
            }
        default:
            pos = afterWord
            if try skipDirectiveArguments() {
                text.append(contentsOf: src[start..<pos])
                return .nothing
            }
        }
        text.append(contentsOf: src[start..<afterWord])
        pos = afterWord
        return .nothing
    }

    func find(_ literal: StaticString, from start: Int) -> Int? {
        var p = start
        while p < src.count {
            if matches(literal, at: p) { return p }
            p += 1
        }
        return nil
    }

    /// `[ws] ( args ) ` of an unknown directive; false (position unchanged) when no `(` follows.
    mutating func skipDirectiveArguments() throws(TemplateError) -> Bool {
        let save = pos
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: "(") else {
            pos = save
            return false
        }
        pos += 1
        while true {
            skipWhitespace()
            guard pos < src.count else { throw fail("unterminated directive arguments") }
            if src[pos] == UInt8(ascii: ")") {
                pos += 1
                swallowLineEnd()
                return true
            }
            if src[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if isLetter(src[pos]) || src[pos] == UInt8(ascii: "_") {
                if matchKeyword("true") || matchKeyword("false") {
                    continue
                }
                while pos < src.count, isDirectiveChar(src[pos]) { pos += 1 }
                continue
            }
            _ = try parsePrimary()
        }
    }

    mutating func parseCondition(directive: String) throws(TemplateError) -> Expr {
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: "(") else { throw fail("expected '(' after \(directive)") }
        pos += 1
        let condition = try parseExpression()
        try expectClosingParen(of: directive)
        return condition
    }

    mutating func expectClosingParen(of directive: String) throws(TemplateError) {
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: ")") else { throw fail("expected ')' to close \(directive)") }
        pos += 1
        swallowLineEnd()
    }

    mutating func parseConditional(first: Expr, start: Int) throws(TemplateError) -> Node {
        var branches: [(condition: Expr, body: [Node])] = []
        var condition = first
        while true {
            let (body, terminator) = try parseBlock()
            branches.append((condition, body))
            switch terminator {
            case .end:
                return .conditional(branches, otherwise: nil)
            case .elseIf(let next):
                condition = next
            case .otherwise:
                let (elseBody, last) = try parseBlock()
                switch last {
                case .end: return .conditional(branches, otherwise: elseBody)
                case .eof: throw fail("#if without #end", at: start)
                case .otherwise, .elseIf: throw fail("#else or #elseif after #else")
                }
            case .eof:
                throw fail("#if without #end", at: start)
            }
        }
    }

    mutating func parseBody(of directive: String, start: Int) throws(TemplateError) -> [Node] {
        let (body, terminator) = try parseBlock()
        switch terminator {
        case .end: return body
        case .eof: throw fail("\(directive) without #end", at: start)
        case .otherwise, .elseIf: throw fail("#else or #elseif without #if")
        }
    }

    mutating func parseSet(start: Int) throws(TemplateError) -> Node {
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: "$"), let target = try parseReference() else {
            throw fail("expected a reference after #set(")
        }
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: "=") else { throw fail("expected '=' in #set") }
        pos += 1
        let value = try parseExpression()
        try expectClosingParen(of: "#set")
        return .set(target, value, offset: base + start)
    }

    mutating func parseForeach(start: Int) throws(TemplateError) -> Node? {
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: "(") else { return nil }
        pos += 1
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: "$"), let variable = try parseReference(),
            variable.segments.isEmpty
        else { throw fail("expected a variable in #foreach") }
        skipWhitespace()
        guard matchKeyword("in") else { throw fail("expected 'in' in #foreach") }
        let iterable = try parsePrimary()
        try expectClosingParen(of: "#foreach")
        let body = try parseBody(of: "#foreach", start: start)
        return .foreach(slot: variable.slot, iterable: iterable, body: body, offset: base + start)
    }

    mutating func parseDefine(start: Int) throws(TemplateError) -> Node? {
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: "(") else { return nil }
        pos += 1
        skipWhitespace()
        guard pos < src.count, src[pos] == UInt8(ascii: "$"), let name = try parseReference(), name.segments.isEmpty
        else { throw fail("expected a variable in #define") }
        try expectClosingParen(of: "#define")
        let body = try parseBody(of: "#define", start: start)
        return .define(slot: name.slot, DefinedBlock(body))
    }

    /// `#macro(...) … #end` parses but defines nothing (API Gateway drops macros).
    mutating func parseMacro(start: Int) throws(TemplateError) -> Bool {
        guard try skipDirectiveArguments() else { return false }
        _ = try parseBody(of: "#macro", start: start)
        return true
    }

    // MARK: References

    /// A reference at `$` (after `backslashes` escaping backslashes), or nil when `$` is plain text.
    mutating func parseDollar(backslashes: Int) throws(TemplateError) -> Node? {
        let start = pos
        if pos + 1 >= src.count || (src[pos + 1] == UInt8(ascii: "!") && pos + 2 >= src.count) {
            if interpolating { return nil }
            throw fail("lone '$' at the end of the template", at: start)
        }
        guard let reference = try parseReference() else {
            pos = start
            return nil
        }
        let prefix = String(repeating: "\\", count: backslashes / 2)
        return .reference(reference, escaped: backslashes % 2 == 1, prefix: prefix)
    }

    /// Parses `$name`, `$!name`, `${name}`, `$!{name}` with properties, methods and indexes.
    /// Returns nil (position unchanged) when no identifier follows.
    mutating func parseReference() throws(TemplateError) -> Reference? {
        let start = pos
        var p = pos + 1
        if p < src.count, src[p] == UInt8(ascii: "!") { p += 1 }
        var formal = false
        if p < src.count, src[p] == UInt8(ascii: "{") {
            formal = true
            p += 1
        }
        guard p < src.count, isLetter(src[p]) || src[p] == UInt8(ascii: "_") else { return nil }
        pos = p
        let name = readIdentifier()
        var segments: [Segment] = []
        try parseIndexes(into: &segments)
        while pos + 1 < src.count, src[pos] == UInt8(ascii: "."), isLetter(src[pos + 1]) {
            pos += 1
            let member = readIdentifier()
            if pos < src.count, src[pos] == UInt8(ascii: "(") {
                pos += 1
                segments.append(.method(member, try parseArguments()))
            } else {
                segments.append(.property(member))
            }
            try parseIndexes(into: &segments)
        }
        if formal {
            guard pos < src.count, src[pos] == UInt8(ascii: "}") else {
                throw fail("expected '}' to close ${", at: pos)
            }
            pos += 1
        }
        let literal = String(decoding: src[start..<pos], as: UTF8.self)
        slots.noteReference(name, segments)
        return Reference(slot: slots.slot(name), segments: segments, literal: literal, offset: base + start)
    }

    mutating func readIdentifier() -> String {
        let start = pos
        while pos < src.count, isIdentifierChar(src[pos]) { pos += 1 }
        return String(decoding: src[start..<pos], as: UTF8.self)
    }

    mutating func parseIndexes(into segments: inout [Segment]) throws(TemplateError) {
        while pos < src.count, src[pos] == UInt8(ascii: "[") {
            pos += 1
            skipWhitespace()
            let index: Expr
            guard pos < src.count else { throw fail("unterminated index") }
            switch src[pos] {
            case UInt8(ascii: "\""), UInt8(ascii: "'"): index = try parseStringLiteral()
            case UInt8(ascii: "$"):
                guard let reference = try parseReference() else { throw fail("expected an index") }
                index = .reference(reference)
            default:
                if matchKeyword("true") {
                    index = .bool(true)
                } else if matchKeyword("false") {
                    index = .bool(false)
                } else {
                    index = try parseNumber()
                    if case .double = index { throw fail("an index must be an integer, a string or a reference") }
                }
            }
            skipWhitespace()
            guard pos < src.count, src[pos] == UInt8(ascii: "]") else { throw fail("expected ']'") }
            pos += 1
            segments.append(.index(index))
        }
    }

    mutating func parseArguments() throws(TemplateError) -> [Expr] {
        var arguments: [Expr] = []
        skipWhitespace()
        if pos < src.count, src[pos] == UInt8(ascii: ")") {
            pos += 1
            return arguments
        }
        while true {
            arguments.append(try parsePrimary())
            skipWhitespace()
            guard pos < src.count else { throw fail("unterminated method call") }
            if src[pos] == UInt8(ascii: ",") {
                pos += 1
            } else if src[pos] == UInt8(ascii: ")") {
                pos += 1
                return arguments
            } else {
                throw fail("expected ',' or ')' in method arguments")
            }
        }
    }
}

@inline(__always) func isLetter(_ c: UInt8) -> Bool {
    (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
}

@inline(__always) func isDigit(_ c: UInt8) -> Bool {
    c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
}

/// Velocity 1.7 identifiers may contain `-`: `$a-b` is one reference.
@inline(__always) func isIdentifierChar(_ c: UInt8) -> Bool {
    isLetter(c) || isDigit(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
}

@inline(__always) func isDirectiveChar(_ c: UInt8) -> Bool {
    isLetter(c) || isDigit(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "@")
}
