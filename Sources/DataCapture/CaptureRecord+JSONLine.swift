import WireFormats

extension CaptureRecord {
    /// Appends this record as one JSON line (with its trailing newline) in SageMaker's data-capture format.
    ///
    /// Payloads whose content type is in the configuration's CSV or JSON lists are written as text when they are
    /// valid UTF-8, anything else as base64. Input or output is left out when the configuration does not capture it.
    public func appendJSONLine(configuration: CaptureConfiguration, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: Self.captureDataOpen)
        var needsComma = false
        if configuration.captureInput, let input {
            Self.appendPayload(
                input, key: Self.inputKey, mode: Self.inputMode, configuration: configuration, to: &buffer)
            needsComma = true
        }
        if configuration.captureOutput, let capturedOutput = self.output {
            if needsComma { buffer.append(UInt8(ascii: ",")) }
            Self.appendPayload(
                capturedOutput, key: Self.outputKey, mode: Self.outputMode, configuration: configuration, to: &buffer)
        }
        buffer.append(contentsOf: Self.eventMetadataOpen)
        JSONText.appendUUID(eventID.uuid, to: &buffer)
        if let inferenceID {
            buffer.append(contentsOf: Self.inferenceIDKey)
            JSONText.appendString(inferenceID, to: &buffer)
        }
        buffer.append(contentsOf: Self.inferenceTimeKey)
        UTCTime(inferenceTime).appendISO8601(to: &buffer)
        buffer.append(UInt8(ascii: "\""))
        if let shadowOf {
            buffer.append(contentsOf: Self.shadowOfKey)
            JSONText.appendString(shadowOf, to: &buffer)
        }
        buffer.append(contentsOf: Self.lineClose)
    }

    /// This record as one JSON line, newline included.
    public func jsonLine(configuration: CaptureConfiguration) -> [UInt8] {
        var output: [UInt8] = []
        appendJSONLine(configuration: configuration, to: &output)
        return output
    }

    private static func appendPayload(
        _ payload: CapturedPayload, key: [UInt8], mode: [UInt8], configuration: CaptureConfiguration,
        to output: inout [UInt8]
    ) {
        output.append(contentsOf: key)
        JSONText.appendString(payload.contentType, to: &output)
        output.append(contentsOf: mode)
        var encoding = configuration.encoding(forContentType: payload.contentType)
        payload.data.withUnsafeBufferPointer { bytes in
            if encoding == .base64 || !JSONText.appendString(bytes, to: &output) {
                encoding = .base64
                JSONText.appendBase64String(bytes, to: &output)
            }
        }
        output.append(contentsOf: encodingKey)
        output.append(contentsOf: encoding.rawValue.utf8)
        output.append(contentsOf: payloadClose)
    }

    /// The fixed bytes between the values, built once from ``CaptureSchema``.
    private static let captureDataOpen = Array("{\(name(CaptureSchema.captureData)){".utf8)
    private static let inputKey = payloadOpen(CaptureSchema.endpointInput)
    private static let outputKey = payloadOpen(CaptureSchema.endpointOutput)
    private static let inputMode = modeAndData(CaptureSchema.inputMode)
    private static let outputMode = modeAndData(CaptureSchema.outputMode)
    private static let encodingKey = Array(",\(name(CaptureSchema.encoding))\"".utf8)
    private static let payloadClose = Array(#""}"#.utf8)
    private static let eventMetadataOpen = Array(
        "},\(name(CaptureSchema.eventMetadata)){\(name(CaptureSchema.eventId))".utf8)
    private static let inferenceIDKey = Array(",\(name(CaptureSchema.inferenceId))".utf8)
    private static let inferenceTimeKey = Array(",\(name(CaptureSchema.inferenceTime))\"".utf8)
    private static let shadowOfKey = Array(",\(name(CaptureSchema.shadowOf))".utf8)
    private static let lineClose = Array(
        "},\(name(CaptureSchema.eventVersion))\(JSONText.quoted(CaptureSchema.currentEventVersion))}\n".utf8)

    /// `"member":`
    private static func name(_ member: String) -> String { JSONText.quoted(member) + ":" }

    /// `"endpointInput":{"observedContentType":`
    private static func payloadOpen(_ member: String) -> [UInt8] {
        Array("\(name(member)){\(name(CaptureSchema.observedContentType))".utf8)
    }

    /// `,"mode":"INPUT","data":`
    private static func modeAndData(_ mode: String) -> [UInt8] {
        Array(",\(name(CaptureSchema.mode))\(JSONText.quoted(mode)),\(name(CaptureSchema.data))".utf8)
    }
}
