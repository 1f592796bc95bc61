extension Parser {
    mutating func skipWhitespace() {
        while pos < src.count {
            let c = src[pos]
            guard
                c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\n") || c == UInt8(ascii: "\r")
            else { return }
            pos += 1
        }
    }

    /// Consumes `word` (after whitespace) when it is not followed by another word character.
    mutating func matchKeyword(_ word: StaticString) -> Bool {
        let save = pos
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        if matches(word, at: pos), pos + count >= src.count || !isDirectiveChar(src[pos + count]) {
            pos += count
            return true
        }
        pos = save
        return false
    }

    mutating func matchSymbol(_ symbol: StaticString) -> Bool {
        let save = pos
        skipWhitespace()
        if matches(symbol, at: pos) {
            pos += symbol.utf8CodeUnitCount
            return true
        }
        pos = save
        return false
    }

    mutating func parseExpression() throws(TemplateError) -> Expr {
        var left = try parseAnd()
        while true {
            let offset = pos
            guard matchSymbol("||") || matchKeyword("or") else { return left }
            left = .binary(.or, left, try parseAnd(), offset: base + offset)
        }
    }

    mutating func parseAnd() throws(TemplateError) -> Expr {
        var left = try parseEquality()
        while true {
            let offset = pos
            guard matchSymbol("&&") || matchKeyword("and") else { return left }
            left = .binary(.and, left, try parseEquality(), offset: base + offset)
        }
    }

    mutating func parseEquality() throws(TemplateError) -> Expr {
        var left = try parseRelational()
        while true {
            let offset = pos
            let op: BinaryOperator
            if matchSymbol("==") || matchKeyword("eq") {
                op = .equal
            } else if matchSymbol("!=") || matchKeyword("ne") {
                op = .notEqual
            } else {
                return left
            }
            left = .binary(op, left, try parseRelational(), offset: base + offset)
        }
    }

    mutating func parseRelational() throws(TemplateError) -> Expr {
        var left = try parseAdditive()
        while true {
            let offset = pos
            let op: BinaryOperator
            if matchSymbol("<=") || matchKeyword("le") {
                op = .lessOrEqual
            } else if matchSymbol(">=") || matchKeyword("ge") {
                op = .greaterOrEqual
            } else if matchSymbol("<") || matchKeyword("lt") {
                op = .less
            } else if matchSymbol(">") || matchKeyword("gt") {
                op = .greater
            } else {
                return left
            }
            left = .binary(op, left, try parseAdditive(), offset: base + offset)
        }
    }

    mutating func parseAdditive() throws(TemplateError) -> Expr {
        var left = try parseMultiplicative()
        while true {
            let offset = pos
            let op: BinaryOperator
            if matchSymbol("+") {
                op = .add
            } else if startsNegativeNumber() {
                return left
            } else if matchSymbol("-") {
                op = .subtract
            } else {
                return left
            }
            left = .binary(op, left, try parseMultiplicative(), offset: base + offset)
        }
    }

    /// Velocity lexes `-1` as a negative literal, so `$a -1` is not a subtraction (it is a syntax error).
    mutating func startsNegativeNumber() -> Bool {
        let save = pos
        defer { pos = save }
        skipWhitespace()
        guard pos + 1 < src.count, src[pos] == UInt8(ascii: "-") else { return false }
        let next = src[pos + 1]
        return isDigit(next) || (next == UInt8(ascii: ".") && pos + 2 < src.count && isDigit(src[pos + 2]))
    }

    mutating func parseMultiplicative() throws(TemplateError) -> Expr {
        var left = try parseUnary()
        while true {
            let offset = pos
            let op: BinaryOperator
            if matchSymbol("*") {
                op = .multiply
            } else if matchSymbol("/") {
                op = .divide
            } else if matchSymbol("%") {
                op = .modulo
            } else {
                return left
            }
            left = .binary(op, left, try parseUnary(), offset: base + offset)
        }
    }

    mutating func parseUnary() throws(TemplateError) -> Expr {
        let save = pos
        skipWhitespace()
        if pos + 1 <= src.count, pos < src.count, src[pos] == UInt8(ascii: "!"),
            !(pos + 1 < src.count && src[pos + 1] == UInt8(ascii: "="))
        {
            pos += 1
            return .not(try parseUnary())
        }
        pos = save
        if matchKeyword("not") { return .not(try parseUnary()) }
        return try parsePrimary(allowParentheses: true)
    }

    /// A primary value: literal, reference, list, range, map; `( expr )` only where Velocity allows expressions.
    mutating func parsePrimary(allowParentheses: Bool = false) throws(TemplateError) -> Expr {
        skipWhitespace()
        guard pos < src.count else { throw fail("unexpected end of template in an expression") }
        let c = src[pos]
        let result: Expr
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            result = try parseStringLiteral()
        case UInt8(ascii: "$"):
            guard let reference = try parseReference() else { throw fail("expected a reference after '$'") }
            result = .reference(reference)
        case UInt8(ascii: "["):
            result = try parseListOrRange()
        case UInt8(ascii: "{"):
            result = try parseMap()
        case UInt8(ascii: "("):
            guard allowParentheses else { throw fail("unexpected '('") }
            pos += 1
            let inner = try parseExpression()
            skipWhitespace()
            guard pos < src.count, src[pos] == UInt8(ascii: ")") else { throw fail("expected ')'") }
            pos += 1
            result = inner
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            result = try parseNumber()
        default:
            if matchKeyword("true") {
                result = .bool(true)
            } else if matchKeyword("false") {
                result = .bool(false)
            } else if matchKeyword("null") {
                result = .null
            } else {
                throw fail("unexpected '\(Character(Unicode.Scalar(c)))' in an expression")
            }
        }
        skipWhitespace()
        return result
    }

    mutating func parseNumber() throws(TemplateError) -> Expr {
        let start = pos
        var p = pos
        if p < src.count, src[p] == UInt8(ascii: "-") { p += 1 }
        let digitsStart = p
        while p < src.count, isDigit(src[p]) { p += 1 }
        var isFloat = false
        if p < src.count, src[p] == UInt8(ascii: "."), !(p + 1 < src.count && src[p + 1] == UInt8(ascii: ".")) {
            let afterDot = p + 1
            var q = afterDot
            while q < src.count, isDigit(src[q]) { q += 1 }
            if q > afterDot || p > digitsStart {
                isFloat = true
                p = q
            }
        }
        guard p > digitsStart else { throw fail("expected a number", at: start) }
        if p < src.count, src[p] == UInt8(ascii: "e") || src[p] == UInt8(ascii: "E") {
            var q = p + 1
            if q < src.count, src[q] == UInt8(ascii: "+") || src[q] == UInt8(ascii: "-") { q += 1 }
            let expStart = q
            while q < src.count, isDigit(src[q]) { q += 1 }
            if q > expStart {
                isFloat = true
                p = q
            }
        }
        let text = String(decoding: src[start..<p], as: UTF8.self)
        pos = p
        if isFloat {
            guard let value = Double(text) else { throw fail("invalid number \(text)", at: start) }
            return .double(value)
        }
        if let value = Int(text) { return .int(value) }
        guard let value = Double(text) else { throw fail("invalid number \(text)", at: start) }
        return .double(value)
    }

    /// `'…'` is literal (`''` is a quote); `"…"` interpolates `$` and `#` (`""` is a quote). No backslash escapes.
    mutating func parseStringLiteral() throws(TemplateError) -> Expr {
        let start = pos
        let quote = src[pos]
        var content: [UInt8] = []
        var p = pos + 1
        while true {
            guard p < src.count else { throw fail("unterminated string literal", at: start) }
            if src[p] == quote {
                if p + 1 < src.count, src[p + 1] == quote {
                    content.append(quote)
                    p += 2
                    continue
                }
                break
            }
            content.append(src[p])
            p += 1
        }
        pos = p + 1
        if quote == UInt8(ascii: "\""), content.contains(UInt8(ascii: "$")) || content.contains(UInt8(ascii: "#")) {
            var inner = Parser(content, slots: slots, base: base + start + 1, interpolating: true, locator: locator)
            return .interpolated(try inner.parseTemplate())
        }
        return .string(String(decoding: content, as: UTF8.self))
    }

    mutating func parseListOrRange() throws(TemplateError) -> Expr {
        let start = pos
        pos += 1
        skipWhitespace()
        if pos < src.count, src[pos] == UInt8(ascii: "]") {
            pos += 1
            return .list([])
        }
        let first = try parsePrimary()
        if matchSymbol("..") {
            let last = try parsePrimary()
            guard isRangeBound(first), isRangeBound(last) else {
                throw fail("a range needs integers or references", at: start)
            }
            guard matchSymbol("]") else { throw fail("expected ']' to close the range") }
            return .range(first, last, offset: base + start)
        }
        var items = [first]
        while true {
            skipWhitespace()
            guard pos < src.count else { throw fail("unterminated list", at: start) }
            if src[pos] == UInt8(ascii: "]") {
                pos += 1
                return .list(items)
            }
            guard src[pos] == UInt8(ascii: ",") else { throw fail("expected ',' or ']' in a list") }
            pos += 1
            items.append(try parsePrimary())
        }
    }

    func isRangeBound(_ expr: Expr) -> Bool {
        switch expr {
        case .int, .reference: return true
        default: return false
        }
    }

    mutating func parseMap() throws(TemplateError) -> Expr {
        let start = pos
        pos += 1
        skipWhitespace()
        var entries: [(key: Expr, value: Expr)] = []
        if pos < src.count, src[pos] == UInt8(ascii: "}") {
            pos += 1
            return .map(entries)
        }
        while true {
            let key = try parsePrimary()
            guard matchSymbol(":") else { throw fail("expected ':' in a map") }
            let value = try parsePrimary()
            entries.append((key, value))
            skipWhitespace()
            guard pos < src.count else { throw fail("unterminated map", at: start) }
            if src[pos] == UInt8(ascii: "}") {
                pos += 1
                return .map(entries)
            }
            guard src[pos] == UInt8(ascii: ",") else { throw fail("expected ',' or '}' in a map") }
            pos += 1
        }
    }
}
