extension Renderer {
    /// Prints a reference's value into the output; null and undefined print nothing.
    mutating func print(_ value: Value, at offset: Int) throws(TemplateError) {
        switch value {
        case .null: return
        case .string(let s): try append(s)
        case .block(let block):
            depth += 1
            defer { depth -= 1 }
            guard depth <= limits.maxDepth else {
                throw template.locator.error(.limit, at: offset, "nesting deeper than \(limits.maxDepth)")
            }
            _ = try render(block.nodes)
        default: try append(try javaString(value, at: offset))
        }
    }

    /// The text a value prints as: like Java's `toString()`, but null is empty.
    mutating func display(_ value: Value, at offset: Int) throws(TemplateError) -> String {
        switch value {
        case .null: return ""
        case .block(let block): return try renderToString(block.nodes, at: offset)
        default: return try javaString(value, at: offset)
        }
    }

    /// Java's `toString()`: maps `{k=v, …}`, plain lists `[a, b]`, json-smart lists as compact JSON.
    mutating func javaString(_ value: Value, at offset: Int) throws(TemplateError) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return JavaFormat.double(d)
        case .bool(let b): return b ? "true" : "false"
        default:
            var out: [UInt8] = []
            try writeJava(value, into: &out, depth: 0, at: offset)
            return String(decoding: out, as: UTF8.self)
        }
    }

    mutating func writeJava(_ value: Value, into out: inout [UInt8], depth: Int, at offset: Int) throws(TemplateError) {
        guard depth <= limits.maxDepth else {
            throw template.locator.error(.limit, at: offset, "value nested deeper than \(limits.maxDepth)")
        }
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .string(let s): out.append(contentsOf: s.utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: JavaFormat.double(d).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .list(let list):
            if list.json {
                try writeJSON(value, into: &out, depth: depth, at: offset)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, item) in list.items.enumerated() {
                if i > 0 { out.append(contentsOf: ", ".utf8) }
                try writeJava(item, into: &out, depth: depth + 1, at: offset)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let map):
            out.append(UInt8(ascii: "{"))
            for (i, key) in map.keys.enumerated() {
                if i > 0 { out.append(contentsOf: ", ".utf8) }
                out.append(contentsOf: key.utf8)
                out.append(UInt8(ascii: "="))
                try writeJava(map.value(at: i), into: &out, depth: depth + 1, at: offset)
            }
            out.append(UInt8(ascii: "}"))
        case .entry(let key, let item):
            out.append(contentsOf: key.utf8)
            out.append(UInt8(ascii: "="))
            try writeJava(item, into: &out, depth: depth + 1, at: offset)
        case .block(let block):
            out.append(contentsOf: try renderToString(block.nodes, at: offset).utf8)
        case .loop, .input, .util:
            break
        }
        if out.count > limits.maxOutputBytes {
            throw template.locator.error(.limit, at: offset, "value text exceeds \(limits.maxOutputBytes) bytes")
        }
    }

    /// Compact JSON as json-smart writes it (used by `$input.json` and for printing json-smart lists).
    mutating func writeJSON(_ value: Value, into out: inout [UInt8], depth: Int, at offset: Int) throws(TemplateError) {
        guard depth <= limits.maxDepth else {
            throw template.locator.error(.limit, at: offset, "value nested deeper than \(limits.maxDepth)")
        }
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: (d.isFinite ? JavaFormat.double(d) : "null").utf8)
        case .string(let s): JSONEscaping.writeString(s, into: &out)
        case .list(let list):
            out.append(UInt8(ascii: "["))
            for (i, item) in list.items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                try writeJSON(item, into: &out, depth: depth + 1, at: offset)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let map):
            out.append(UInt8(ascii: "{"))
            for (i, key) in map.keys.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONEscaping.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                try writeJSON(map.value(at: i), into: &out, depth: depth + 1, at: offset)
            }
            out.append(UInt8(ascii: "}"))
        case .entry, .block, .loop, .input, .util:
            JSONEscaping.writeString(try javaString(value, at: offset), into: &out)
        }
        if out.count > limits.maxOutputBytes {
            throw template.locator.error(.limit, at: offset, "value text exceeds \(limits.maxOutputBytes) bytes")
        }
    }

    mutating func typeName(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "Boolean"
        case .int: return "Integer"
        case .double: return "Double"
        case .string: return "String"
        case .list: return "List"
        case .map: return "Map"
        case .input: return "$input"
        case .util: return "$util"
        case .loop: return "$foreach"
        case .block: return "#define block"
        case .entry: return "Map.Entry"
        }
    }
}

/// json-smart's string escaping (`JSONStyle.NO_COMPRESS`): `"` `\` `/` and control characters, plus
/// U+007F–U+009F and U+2000–U+20FF as `\uXXXX`.
enum JSONEscaping {
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        let plain = s.withUTF8 { bytes in
            for byte in bytes where byte < 0x20 || byte >= 0x7F || byte == 0x22 || byte == 0x5C || byte == 0x2F {
                if byte >= 0x80, byte != 0xC2, byte != 0xE2 { continue }
                return false
            }
            out.append(contentsOf: bytes)
            return true
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out.append(contentsOf: "\\\"".utf8)
            case "\\": out.append(contentsOf: "\\\\".utf8)
            case "/": out.append(contentsOf: "\\/".utf8)
            case "\u{08}": out.append(contentsOf: "\\b".utf8)
            case "\u{0C}": out.append(contentsOf: "\\f".utf8)
            case "\n": out.append(contentsOf: "\\n".utf8)
            case "\r": out.append(contentsOf: "\\r".utf8)
            case "\t": out.append(contentsOf: "\\t".utf8)
            default:
                let v = scalar.value
                if v < 0x20 || (v >= 0x7F && v <= 0x9F) || (v >= 0x2000 && v <= 0x20FF) {
                    out.append(contentsOf: ("\\u" + hex4(v)).utf8)
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
