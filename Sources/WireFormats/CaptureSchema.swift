/// The member names and fixed values of SageMaker's data-capture JSON line, in one place because the gateway
/// writes the line (`DataCapture`) and the drift monitor reads it back (`DriftMonitor`): a name changed on one
/// side only would make the monitor skip every record.
///
/// ```json
/// {"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"1,2","encoding":"CSV"},
///  "endpointOutput":{…,"mode":"OUTPUT",…}},
///  "eventMetadata":{"eventId":"…","inferenceId":"…","inferenceTime":"2026-11-23T10:11:12Z","shadowOf":"…"},
///  "eventVersion":"0"}
/// ```
public enum CaptureSchema {
    /// The object holding `endpointInput` and `endpointOutput`.
    public static let captureData = "captureData"
    /// The request payload.
    public static let endpointInput = "endpointInput"
    /// The response payload.
    public static let endpointOutput = "endpointOutput"
    /// A payload's `Content-Type` as received.
    public static let observedContentType = "observedContentType"
    /// A payload's direction: ``inputMode`` or ``outputMode``.
    public static let mode = "mode"
    /// The ``mode`` of `endpointInput`.
    public static let inputMode = "INPUT"
    /// The ``mode`` of `endpointOutput`.
    public static let outputMode = "OUTPUT"
    /// A payload's text, or its base64.
    public static let data = "data"
    /// How `data` is written: a ``CaptureEncoding`` raw value.
    public static let encoding = "encoding"
    /// The object with the record's ids and time.
    public static let eventMetadata = "eventMetadata"
    /// The record's UUID.
    public static let eventId = "eventId"
    /// The client's `X-Amzn-SageMaker-Inference-Id`, when it sent one.
    public static let inferenceId = "inferenceId"
    /// When the request arrived, in ISO 8601 (`UTCTime.appendISO8601(to:)`).
    public static let inferenceTime = "inferenceTime"
    /// The production variant a shadow variant's record mirrors (the gateway's addition; see ADR 0040).
    public static let shadowOf = "shadowOf"
    /// The version of the record format.
    public static let eventVersion = "eventVersion"
    /// The only ``eventVersion`` SageMaker writes.
    public static let currentEventVersion = "0"
}
