import NIOCore
import WireFormats

/// Writes feature values as JSON.
///
/// Values of the native layout are text: one that is a valid JSON number literal (`42`, `-0.5`, `1e3`) is written
/// as a JSON number, anything else as a JSON string, and a missing value as `null`. Text such as `007` or `1.` is not
/// a JSON number and stays a string. Values of the Feast layout keep their type (``FeatureValueKind``).
enum FeatureJSON {
    /// Appends `{"feature": value, …}` for `lookup` in view order.
    static func writeObject(_ lookup: FeatureLookup, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "{"))
        for (position, (name, value)) in zip(lookup.features, lookup.values).enumerated() {
            if position > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            writeString(name, to: &buffer)
            buffer.writeInteger(UInt8(ascii: ":"))
            writeValue(value, kind: lookup.kind(at: position), to: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// Appends one value in its kind's form (``FeatureValueKind``); `null` when missing.
    static func writeValue(_ value: String?, kind: FeatureValueKind = .text, to buffer: inout ByteBuffer) {
        guard let value else {
            buffer.writeStaticString("null")
            return
        }
        switch kind {
        case .number, .json: buffer.writeString(value)
        case .string: writeString(value, to: &buffer)
        case .text: if isNumber(value) { buffer.writeString(value) } else { writeString(value, to: &buffer) }
        }
    }

    /// Appends `text` as a JSON string with the required escapes.
    static func writeString(_ text: String, to buffer: inout ByteBuffer) {
        var text = text
        buffer.writeInteger(UInt8(ascii: "\""))
        text.withUTF8 { bytes in
            _ = JSONText.escape(bytes) { buffer.writeBytes($0) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// Whether `text` is a JSON number literal: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isNumber(_ text: String) -> Bool {
        var utf8 = text.utf8[...]
        func digits() -> Int {
            let count = utf8.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            utf8 = utf8.dropFirst(count)
            return count
        }
        if utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
        if utf8.first == UInt8(ascii: "0") {
            utf8 = utf8.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if utf8.first == UInt8(ascii: ".") {
            utf8 = utf8.dropFirst()
            if digits() == 0 { return false }
        }
        if utf8.first == UInt8(ascii: "e") || utf8.first == UInt8(ascii: "E") {
            utf8 = utf8.dropFirst()
            if utf8.first == UInt8(ascii: "+") || utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
            if digits() == 0 { return false }
        }
        return utf8.isEmpty
    }
}
