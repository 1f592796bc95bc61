/// Checks a configuration's text for the errors that TOMLKit's parser, toml++, does not report but stops the process
/// on (an assertion, or undefined behaviour where assertions are compiled out), before handing the text to it. Found
/// by the configuration fuzz target (issue 23): a table header whose first character cannot start a key (`[#]`,
/// `[=`, `[` followed by U+0001), also after a UTF-8 byte order mark, which toml++ skips. A reload of a running gateway parses the file again, so this is what keeps a typo
/// in `gateway.conf` from taking the gateway down.
///
/// It also refuses the control characters TOML 1.0 allows nowhere unescaped (U+0000–U+001F but tab, line feed and
/// carriage return, and U+007F), so no parser path of toml++ sees one. Everything else is left to toml++, which
/// reports its errors with their line.
enum TOMLPreflight {
    /// A problem and the line it is on.
    struct Problem: Equatable {
        var line: Int
        var message: String
    }

    /// Where the scan is: strings and comments hide brackets and line ends from it.
    private enum Mode {
        case code, basicString, literalString, multilineBasicString, multilineLiteralString, comment
    }

    /// The first problem in `text`, or nil.
    static func firstProblem(in text: String) -> Problem? {
        let scalars = Array(text.unicodeScalars)
        var line = 1
        var mode = Mode.code
        // Brackets and braces open in the current value: a line that starts with `[` at depth 0, outside strings,
        // is a table header; inside a multi-line array it is a nested array.
        var depth = 0
        var atLineStart = true
        // toml++ skips a byte order mark at the start, so the first line starts after it.
        var index = scalars.first == "\u{FEFF}" ? 1 : 0
        func starts(_ text: String, at position: Int) -> Bool {
            var position = position
            for scalar in text.unicodeScalars {
                guard position < scalars.count, scalars[position] == scalar else { return false }
                position += 1
            }
            return true
        }
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar.value {
            case 0x0A:
                line += 1
                if mode == .comment || mode == .basicString || mode == .literalString { mode = .code }
                atLineStart = mode == .code && depth == 0
                index += 1
                continue
            case 0x09, 0x0D: break
            case 0x00...0x1F, 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                return Problem(
                    line: line,
                    message: "control character U+\(String(repeating: "0", count: 4 - hex.count) + hex) is not "
                        + "allowed (only tab, line feed and carriage return may appear unescaped)")
            default: break
            }
            switch mode {
            case .comment:
                index += 1
            case .basicString, .multilineBasicString:
                if scalar == "\\" {
                    index += 2
                } else if mode == .multilineBasicString, starts("\"\"\"", at: index) {
                    mode = .code
                    index += 3
                } else {
                    if mode == .basicString, scalar == "\"" { mode = .code }
                    index += 1
                }
            case .literalString, .multilineLiteralString:
                if mode == .multilineLiteralString, starts("'''", at: index) {
                    mode = .code
                    index += 3
                } else {
                    if mode == .literalString, scalar == "'" { mode = .code }
                    index += 1
                }
            case .code:
                if scalar == " " || scalar == "\t" || scalar == "\r" {
                    index += 1
                    continue
                }
                if atLineStart, scalar == "[", let problem = headerProblem(scalars, from: index, line: line) {
                    return problem
                }
                atLineStart = false
                switch scalar {
                case "#": mode = .comment
                case "\"": mode = starts("\"\"\"", at: index) ? .multilineBasicString : .basicString
                case "'": mode = starts("'''", at: index) ? .multilineLiteralString : .literalString
                case "[", "{": depth += 1
                case "]", "}": depth = max(0, depth - 1)
                default: break
                }
                if mode == .multilineBasicString || mode == .multilineLiteralString {
                    index += 3
                } else {
                    index += 1
                }
            }
        }
        return nil
    }

    /// Checks the table header at `start` (`[` or `[[`): its first non-blank character must start a key.
    private static func headerProblem(_ scalars: [Unicode.Scalar], from start: Int, line: Int) -> Problem? {
        var index = start + 1
        if index < scalars.count, scalars[index] == "[" { index += 1 }
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
        guard index < scalars.count else { return nil }
        let first = scalars[index]
        switch first {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", "\"", "'", "]": return nil
        default:
            return Problem(
                line: line,
                message:
                    "a table header must start with a key (a letter, digit, '_', '-' or a quote), not '\(first.escaped(asASCII: true))'"
            )
        }
    }
}
