import Foundation

/// Reading and writing the monitor's JSON documents.
enum JSONFiles {
    /// Writes `value` as pretty, key-sorted JSON with snake_case keys.
    static func write(_ value: some Encodable, to url: URL) throws(DriftMonitorError) {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try encoder.encode(value).write(to: url, options: .atomic)
        } catch {
            throw DriftMonitorError("cannot write \(url.path): \(error)")
        }
    }

    /// Reads a document; `what` names it in errors ("baseline statistics").
    static func read<Document: Decodable>(_ type: Document.Type, from url: URL, what: String) throws(DriftMonitorError)
        -> Document
    {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DriftMonitorError("\(what) not found: \(url.path)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DriftMonitorError("cannot read \(what) \(url.path): \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw DriftMonitorError("malformed \(what) \(url.path): \(describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \"\(path(context.codingPath + [key]))\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type at \"\(path(context.codingPath))\": \(context.debugDescription)"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not valid JSON"
                : "invalid value at \"\(path(context.codingPath))\": \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    /// The path as the file spells it: snake_case keys (the decoder reports the Swift names) and `[i]` indices.
    private static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
                return
            }
            if !path.isEmpty { path += "." }
            for character in key.stringValue {
                path += character.isUppercase ? "_" + character.lowercased() : String(character)
            }
        }
    }
}
