import Foundation

/// What one capture line contributes to a monitoring run.
enum CaptureLine: Equatable {
    /// Input rows of a record.
    case rows([Row])
    /// A well-formed record left out (shadow, outside the time window, no input, unsupported content type).
    case skipped
    /// Not a capture record, or its input cannot be decoded.
    case corrupt

    /// Interprets one line of a capture file.
    static func read(_ line: UnsafeBufferPointer<UInt8>, includeShadow: Bool, since: Date?, until: Date?) -> CaptureLine {
        guard let record = try? JSONParser.parse(line), let captureData = record["captureData"],
            case .object = captureData
        else { return .corrupt }
        let metadata = record["eventMetadata"]
        if !includeShadow, metadata?["shadowOf"] != nil { return .skipped }
        if since != nil || until != nil {
            guard let text = metadata?["inferenceTime"]?.stringValue, let time = Timestamp.parse(text) else { return .skipped }
            if let since, time < since { return .skipped }
            if let until, time >= until { return .skipped }
        }
        guard let input = captureData["endpointInput"] else { return .skipped }
        guard let data = input["data"]?.stringValue, let encoding = input["encoding"]?.stringValue else { return .corrupt }
        let contentType = input["observedContentType"]?.stringValue?.lowercased() ?? ""
        switch encoding {
        case "CSV":
            return .rows(Row.rows(csv: data))
        case "JSON":
            return json(data)
        case "BASE64":
            guard let bytes = Data(base64Encoded: data) else { return .corrupt }
            let text = String(decoding: bytes, as: UTF8.self)
            if contentType.contains("csv") { return .rows(Row.rows(csv: text)) }
            if contentType.contains("json") { return json(text) }
            return .skipped
        default:
            return .corrupt
        }
    }

    private static func json(_ text: String) -> CaptureLine {
        var text = text
        guard let values = text.withUTF8({ try? JSONParser.parseSequence($0) }) else { return .corrupt }
        return .rows(Row.rows(json: values))
    }
}
