import Foundation
import NIOCore
import SwiftProtobuf
import WireFormats

/// Feast's stored values as the gateway serves them: text for templates and CSV, with the kind that decides their
/// JSON form (``FeatureValueKind``).
///
/// - Integers in decimal; doubles in their shortest exact form (a float32 widened to double first, as Feast's
///   Python client answers it: `0.1` as float32 is `0.10000000149011612`); non-finite numbers as the strings
///   `NaN`, `Infinity`, `-Infinity`.
/// - Bools `true`/`false`; `unix_timestamp` (seconds) as an RFC 3339 UTC string, `2026-12-01T10:00:00Z`.
/// - Bytes as standard base64 strings; JSON, UUID and decimal values as strings.
/// - Lists as JSON arrays of the same element forms.
/// - An unset value, `null_val`, Feast's null timestamp, and kinds the gateway does not serve (maps, sets,
///   structs, zoned timestamps) are missing.
enum FeastValue {
    /// Feast's null timestamp (`NaT` as an integer).
    static let nullTimestamp = Int64.min

    /// The text and kind of a serialized `feast.types.Value`; nil when it holds no value the gateway serves.
    static func decode(_ bytes: [UInt8]) -> (text: String, kind: FeatureValueKind)? {
        guard let value = try? Feast_Types_Value(serializedBytes: bytes), let content = value.val else { return nil }
        switch content {
        case .stringVal(let text), .jsonVal(let text), .uuidVal(let text), .timeUuidVal(let text),
            .decimalVal(let text):
            return (text, .string)
        case .bytesVal(let data): return (base64(data), .string)
        case .int32Val(let number): return (String(number), .number)
        case .int64Val(let number): return (String(number), .number)
        case .doubleVal(let number): return double(number)
        case .floatVal(let number): return double(Double(number))
        case .boolVal(let flag): return (flag ? "true" : "false", .json)
        case .unixTimestampVal(let seconds):
            guard seconds != nullTimestamp else { return nil }
            return (timestamp(seconds), .string)
        case .nullVal: return nil
        case .bytesListVal(let list): return array(list.val.map { quoted(base64($0)) })
        case .stringListVal(let list), .jsonListVal(let list), .uuidListVal(let list), .timeUuidListVal(let list),
            .decimalListVal(let list):
            return array(list.val.map(quoted))
        case .int32ListVal(let list): return array(list.val.map { String($0) })
        case .int64ListVal(let list): return array(list.val.map { String($0) })
        case .doubleListVal(let list): return array(list.val.map(jsonNumber))
        case .floatListVal(let list): return array(list.val.map { jsonNumber(Double($0)) })
        case .boolListVal(let list): return array(list.val.map { $0 ? "true" : "false" })
        case .unixTimestampListVal(let list):
            return array(list.val.map { $0 == nullTimestamp ? "null" : quoted(timestamp($0)) })
        }
    }

    /// The event time of a serialized `google.protobuf.Timestamp` (Feast's `_ts:<view>` field) in Unix
    /// milliseconds.
    static func eventTime(_ bytes: [UInt8]) -> Int64? {
        guard let stamp = try? Google_Protobuf_Timestamp(serializedBytes: bytes) else { return nil }
        return stamp.seconds * 1000 + Int64(stamp.nanos / 1_000_000)
    }

    private static func double(_ number: Double) -> (String, FeatureValueKind) {
        number.isFinite ? (shortest(number), .number) : (nonFinite(number), .string)
    }

    private static func jsonNumber(_ number: Double) -> String {
        number.isFinite ? shortest(number) : quoted(nonFinite(number))
    }

    /// Swift's shortest round-tripping form, which is also Python's `repr` and a JSON number literal (`3.0`,
    /// `0.1`, `1e-05`, `1e+20`).
    private static func shortest(_ number: Double) -> String {
        number.description
    }

    private static func nonFinite(_ number: Double) -> String {
        number.isNaN ? "NaN" : number > 0 ? "Infinity" : "-Infinity"
    }

    private static func timestamp(_ seconds: Int64) -> String {
        var output: [UInt8] = []
        UTCTime(Date(timeIntervalSince1970: TimeInterval(seconds))).appendISO8601(to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private static func base64(_ data: Data) -> String {
        var output: [UInt8] = []
        data.withUnsafeBytes { raw in Base64.append(raw.bindMemory(to: UInt8.self), to: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    private static func quoted(_ text: String) -> String {
        var buffer = ByteBuffer()
        FeatureJSON.writeString(text, to: &buffer)
        return String(buffer: buffer)
    }

    private static func array(_ elements: [String]) -> (String, FeatureValueKind) {
        ("[" + elements.joined(separator: ",") + "]", .json)
    }
}
