import WireFormats

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
        case .string(let s): JSONText.appendString(s, escaping: .jsonSmart, to: &out)
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
                JSONText.appendString(key, escaping: .jsonSmart, to: &out)
                out.append(UInt8(ascii: ":"))
                try writeJSON(map.value(at: i), into: &out, depth: depth + 1, at: offset)
            }
            out.append(UInt8(ascii: "}"))
        case .entry, .block, .loop, .input, .util:
            JSONText.appendString(try javaString(value, at: offset), escaping: .jsonSmart, to: &out)
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
