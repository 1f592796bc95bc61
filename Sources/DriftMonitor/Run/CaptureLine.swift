import Foundation
import WireFormats

/// What one capture line contributes to a monitoring run.
enum CaptureLine: Equatable {
    /// Input rows of a record.
    case rows([Row])
    /// A well-formed record left out (shadow, outside the time window, no input, unsupported content type).
    case skipped
    /// Not a capture record, or its input cannot be decoded.
    case corrupt

    /// Interprets one line of a capture file.
    static func read(_ line: UnsafeBufferPointer<UInt8>, includeShadow: Bool, since: Date?, until: Date?) -> CaptureLine
    {
        guard let record = try? JSONParser.parse(line), let captureData = record[CaptureSchema.captureData],
            case .object = captureData
        else { return .corrupt }
        let metadata = record[CaptureSchema.eventMetadata]
        if !includeShadow, metadata?[CaptureSchema.shadowOf] != nil { return .skipped }
        if since != nil || until != nil {
            guard let text = metadata?[CaptureSchema.inferenceTime]?.stringValue, let time = Timestamp.parse(text)
            else { return .skipped }
            if let since, time < since { return .skipped }
            if let until, time >= until { return .skipped }
        }
        guard let input = captureData[CaptureSchema.endpointInput] else { return .skipped }
        guard let data = input[CaptureSchema.data]?.stringValue,
            let encoding = input[CaptureSchema.encoding]?.stringValue.flatMap(CaptureEncoding.init(rawValue:))
        else { return .corrupt }
        let contentType = input[CaptureSchema.observedContentType]?.stringValue?.lowercased() ?? ""
        switch encoding {
        case .csv:
            return .rows(Row.rows(csv: data))
        case .json:
            return json(data)
        case .base64:
            guard let bytes = Data(base64Encoded: data) else { return .corrupt }
            let text = String(decoding: bytes, as: UTF8.self)
            if contentType.contains("csv") { return .rows(Row.rows(csv: text)) }
            if contentType.contains("json") { return json(text) }
            return .skipped
        }
    }

    private static func json(_ text: String) -> CaptureLine {
        var text = text
        guard let values = text.withUTF8({ try? JSONParser.parseSequence($0) }) else { return .corrupt }
        return .rows(Row.rows(json: values))
    }
}
