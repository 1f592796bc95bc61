/// Maps dotted key paths of a TOML document to the lines they are written on.
///
/// TOMLKit reports positions only for syntax errors, so semantic errors (a bad value, a missing key) are located by
/// this light scan of the text: table headers (`[a.b]`, `[[a.b]]`) and `key = value` lines. Arrays of tables get
/// indexes in file order, so the second `[[endpoint.variant]]` of the first endpoint is `endpoint[0].variant[1]`.
package struct TOMLSourceMap: Sendable {
    private var lines: [String: Int] = [:]

    package init(text: String) {
        var arrayCounts: [String: Int] = [:]
        var current = ""
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Self.stripComment(rawLine).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[[") && line.hasSuffix("]]") {
                let name = Self.resolve(
                    String(line.dropFirst(2).dropLast(2)), arrayCounts: arrayCounts, includingLast: false)
                let index = arrayCounts[name, default: -1] + 1
                arrayCounts[name] = index
                current = "\(name)[\(index)]"
                lines[current] = lineNumber
            } else if line.hasPrefix("[") && line.hasSuffix("]") {
                current = Self.resolve(String(line.dropFirst().dropLast()), arrayCounts: arrayCounts)
                lines[current] = lineNumber
            } else if let equals = line.firstIndex(of: "=") {
                let key = line[..<equals].split(separator: ".").map(Self.unquote).joined(separator: ".")
                let path = current.isEmpty ? key : "\(current).\(key)"
                if lines[path] == nil { lines[path] = lineNumber }
            }
        }
    }

    /// The line of `path`, or of its nearest enclosing table that is written in the file.
    package func line(of path: String) -> Int? {
        var candidate = Substring(path)
        while !candidate.isEmpty {
            if let line = lines[String(candidate)] { return line }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = candidate[..<cut]
        }
        return nil
    }

    /// Replaces each prefix that names an array of tables with its latest element; an `[[array]]` header resolves
    /// its parents only (`includingLast: false`), since it starts a new element of its own last part.
    private static func resolve(_ header: String, arrayCounts: [String: Int], includingLast: Bool = true) -> String {
        var resolved = ""
        let parts = header.split(separator: ".").map(unquote)
        for (position, part) in parts.enumerated() {
            resolved = resolved.isEmpty ? part : "\(resolved).\(part)"
            guard includingLast || position < parts.count - 1 else { break }
            if let index = arrayCounts[resolved] { resolved = "\(resolved)[\(index)]" }
        }
        return resolved
    }

    private static func unquote(_ part: Substring) -> String {
        let trimmed = part.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 2, let first = trimmed.first, first == "\"" || first == "'", trimmed.last == first {
            return String(trimmed.dropFirst().dropLast())
        }
        return trimmed
    }

    private static func stripComment(_ line: Substring) -> Substring {
        var quote: Character?
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                return line[..<index]
            }
        }
        return line
    }
}
