/// What a single field's text is, by Model Monitor's (Deequ's) type rules.
enum ValueKind: Equatable {
    case missing
    case integral(Double)
    case fractional(Double)
    case string

    /// Classifies `text`: empty or blank is missing, `[+-]digits` Integral, a finite decimal/exponent number
    /// Fractional, anything else (including `nan`, `inf`, `true`) String.
    init(_ text: Substring) {
        let utf8 = text.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] == UInt8(ascii: " ") || utf8[start] == UInt8(ascii: "\t") {
            start = utf8.index(after: start)
        }
        while end > start {
            let previous = utf8.index(before: end)
            guard utf8[previous] == UInt8(ascii: " ") || utf8[previous] == UInt8(ascii: "\t") else { break }
            end = previous
        }
        guard start < end else {
            self = .missing
            return
        }
        var index = start
        if utf8[index] == UInt8(ascii: "+") || utf8[index] == UInt8(ascii: "-") { index = utf8.index(after: index) }
        var digits = 0
        var integralOnly = true
        var sawDot = false
        var sawExponent = false
        while index < end {
            let byte = utf8[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
            } else if byte == UInt8(ascii: "."), !sawDot, !sawExponent {
                sawDot = true
                integralOnly = false
            } else if byte | 0x20 == UInt8(ascii: "e"), digits > 0, !sawExponent {
                sawExponent = true
                integralOnly = false
                let next = utf8.index(after: index)
                if next < end, utf8[next] == UInt8(ascii: "+") || utf8[next] == UInt8(ascii: "-") { index = next }
                digits = 0
            } else {
                self = .string
                return
            }
            index = utf8.index(after: index)
        }
        guard digits > 0, let value = Double(Substring(text.utf8[start..<end])), value.isFinite else {
            self = .string
            return
        }
        self = integralOnly ? .integral(value) : .fractional(value)
    }
}
