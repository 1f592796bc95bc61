/// How a captured payload's `data` is written: as text for CSV and JSON content types, otherwise as base64.
public enum CaptureEncoding: String, Sendable {
    /// `data` is the CSV text itself.
    case csv = "CSV"
    /// `data` is the JSON text itself (as a JSON string).
    case json = "JSON"
    /// `data` is the payload in base64.
    case base64 = "BASE64"
}
