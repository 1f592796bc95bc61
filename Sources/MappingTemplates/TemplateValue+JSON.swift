extension TemplateValue {
    /// Parses JSON text (UTF-8 bytes) into a value; objects keep their key order.
    ///
    /// - Throws: ``TemplateError`` of kind ``TemplateError/Kind/payload`` when the bytes are not valid JSON.
    public init(json bytes: some Collection<UInt8>) throws(TemplateError) {
        do {
            self = try TemplateValue(runtime: JSONReader.parse(Array(bytes)))
        } catch {
            throw TemplateError(kind: .payload, line: 0, column: 0, message: "invalid JSON: \(error.message)")
        }
    }

    /// Parses a JSON string into a value; objects keep their key order.
    public init(jsonString: String) throws(TemplateError) {
        try self.init(json: Array(jsonString.utf8))
    }

    init(runtime value: Value) {
        switch value {
        case .null, .input, .util, .loop, .block: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .entry(let key, let value): self = .map(TemplateMap([(key, TemplateValue(runtime: value))]))
        case .list(let box): self = .list(box.items.map(TemplateValue.init(runtime:)))
        case .map(let box):
            self = .map(TemplateMap(box.keys.indices.map { (box.keys[$0], TemplateValue(runtime: box.value(at: $0))) }))
        }
    }

    /// The runtime form: maps become mutable Java-style maps, lists JSON arrays.
    func runtimeValue() -> Value {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .list(let items): return .list(ListBox(items.map { $0.runtimeValue() }, json: true))
        case .map(let map): return .map(MapBox(map.storage.mapValues { $0.runtimeValue() }))
        }
    }
}
