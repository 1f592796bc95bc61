import Foundation
import WireFormats

/// A tensor's elements in the forms the protocol carries them: raw little-endian bytes (`raw_input_contents`,
/// `raw_output_contents`, binary tensor data), the typed `contents` of the gRPC messages, and the `data` array of the
/// REST form. Raw bytes are the pivot: every conversion goes through them, so each form is read and written once.
package enum TensorData {
    // MARK: Typed contents

    /// The raw bytes of `contents` read as `datatype`.
    package static func raw(
        from contents: Inference_InferTensorContents, datatype: TensorDatatype, tensor: String,
        origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) -> [UInt8] {
        var raw: [UInt8] = []
        func narrow<Wide: BinaryInteger, Narrow: FixedWidthInteger>(_ values: [Wide], to: Narrow.Type)
            throws(OpenInferenceError)
        {
            raw.reserveCapacity(values.count * MemoryLayout<Narrow>.size)
            for value in values {
                guard let narrow = Narrow(exactly: value) else {
                    throw OpenInferenceError(
                        origin, "Tensor \(tensor) has the value \(value), which is not a \(datatype.rawValue).")
                }
                append(narrow, to: &raw)
            }
        }
        switch datatype {
        case .bool: raw = contents.boolContents.map { $0 ? 1 : 0 }
        case .int8: try narrow(contents.intContents, to: Int8.self)
        case .int16: try narrow(contents.intContents, to: Int16.self)
        case .int32: try narrow(contents.intContents, to: Int32.self)
        case .int64: try narrow(contents.int64Contents, to: Int64.self)
        case .uint8: try narrow(contents.uintContents, to: UInt8.self)
        case .uint16: try narrow(contents.uintContents, to: UInt16.self)
        case .uint32: try narrow(contents.uintContents, to: UInt32.self)
        case .uint64: try narrow(contents.uint64Contents, to: UInt64.self)
        case .fp32: for value in contents.fp32Contents { append(value.bitPattern, to: &raw) }
        case .fp64: for value in contents.fp64Contents { append(value.bitPattern, to: &raw) }
        case .bytes:
            for element in contents.bytesContents {
                append(UInt32(element.count), to: &raw)
                raw.append(contentsOf: element)
            }
        case .fp16, .bf16:
            throw OpenInferenceError(
                origin, "Tensor \(tensor) is \(datatype.rawValue), which travels only as raw contents.")
        }
        return raw
    }

    /// The typed contents of `raw` read as `datatype` (which must have typed contents).
    package static func contents(
        fromRaw raw: [UInt8], datatype: TensorDatatype, tensor: String, origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) -> Inference_InferTensorContents {
        var contents = Inference_InferTensorContents()
        try forEachElement(of: raw, datatype: datatype, tensor: tensor, origin: origin) { element in
            switch element {
            case .bool(let value): contents.boolContents.append(value)
            case .signed(let value):
                if datatype == .int64 {
                    contents.int64Contents.append(value)
                } else {
                    contents.intContents.append(Int32(value))
                }
            case .unsigned(let value):
                if datatype == .uint64 {
                    contents.uint64Contents.append(value)
                } else {
                    contents.uintContents.append(UInt32(value))
                }
            case .float(let value):
                if datatype == .fp64 {
                    contents.fp64Contents.append(value)
                } else {
                    contents.fp32Contents.append(Float(value))
                }
            case .bytes(let bytes): contents.bytesContents.append(Data(bytes))
            }
        }
        return contents
    }

    // MARK: REST data

    /// Appends the REST form of `raw` as `datatype`, a flat JSON array, to `output`. JSON has no form for NaN or
    /// infinities, nor for bytes that are not UTF-8: such a tensor needs binary data.
    package static func appendJSON(
        _ raw: [UInt8], datatype: TensorDatatype, tensor: String, origin: OpenInferenceError.Origin,
        to output: inout [UInt8]
    ) throws(OpenInferenceError) {
        output.append(UInt8(ascii: "["))
        var first = true
        try forEachElement(of: raw, datatype: datatype, tensor: tensor, origin: origin) {
            element throws(OpenInferenceError) in
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            switch element {
            case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
            case .signed(let value): output.append(contentsOf: String(value).utf8)
            case .unsigned(let value): output.append(contentsOf: String(value).utf8)
            case .float(let value):
                guard value.isFinite else {
                    throw OpenInferenceError(
                        origin, "Tensor \(tensor) holds \(value), which JSON cannot carry; send it as binary data.")
                }
                let text = datatype == .fp64 ? String(value) : String(Float(value))
                output.append(contentsOf: text.utf8)
            case .bytes(let bytes):
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw OpenInferenceError(
                        origin, "Tensor \(tensor) holds bytes that are not UTF-8, which JSON cannot carry.")
                }
                JSONText.appendString(text, to: &output)
            }
        }
        output.append(UInt8(ascii: "]"))
    }

    /// The raw bytes of the REST `data` value at `range` (an array, nested or flat, or one scalar) read as
    /// `datatype`, and its element count.
    package static func raw(
        fromJSON scanner: JSONScanner, at range: Range<Int>, datatype: TensorDatatype, tensor: String,
        origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) -> (raw: [UInt8], count: Int) {
        var raw: [UInt8] = []
        var count = 0
        func invalid(_ what: String) -> OpenInferenceError {
            OpenInferenceError(origin, "Tensor \(tensor) has \(what) in its data, which is not a \(datatype.rawValue).")
        }
        func element(_ range: Range<Int>) throws(OpenInferenceError) {
            if scanner.bytes[range.lowerBound] == UInt8(ascii: "[") {
                var elements: [Range<Int>] = []
                do throws(JSONScanner.Invalid) {
                    try scanner.forEachElement(ofArrayAt: range.lowerBound) { elements.append($0) }
                } catch {
                    throw OpenInferenceError(origin, "Tensor \(tensor) has invalid data: \(error.reason).")
                }
                for inner in elements { try element(inner) }
                return
            }
            count += 1
            let isString = scanner.bytes[range.lowerBound] == UInt8(ascii: "\"")
            let scalar: String?
            do throws(JSONScanner.Invalid) {
                scalar = try scanner.scalarText(range)
            } catch {
                throw OpenInferenceError(origin, "Tensor \(tensor) has invalid data: \(error.reason).")
            }
            guard let text = scalar else { throw invalid("null") }
            if datatype == .bytes {
                guard isString else { throw invalid(text) }
                append(UInt32(text.utf8.count), to: &raw)
                raw.append(contentsOf: text.utf8)
                return
            }
            guard !isString, appendScalar(text, datatype: datatype, to: &raw) != nil else {
                throw invalid(isString ? "\"\(text)\"" : text)
            }
        }
        try element(range)
        return (raw, count)
    }

    /// Appends the number or literal `text` as one element of `datatype`; nil when it is not one.
    private static func appendScalar(_ text: String, datatype: TensorDatatype, to raw: inout [UInt8]) -> Void? {
        func integer<Value: FixedWidthInteger>(_: Value.Type) -> Void? {
            if let value = Value(text) { return append(value, to: &raw) }
            // A model server may write an integer tensor's values as 1.0.
            guard let double = Double(text), let value = Value(exactly: double) else { return nil }
            return append(value, to: &raw)
        }
        switch datatype {
        case .bool:
            switch text {
            case "true", "1": raw.append(1)
            case "false", "0": raw.append(0)
            default: return nil
            }
            return ()
        case .int8: return integer(Int8.self)
        case .int16: return integer(Int16.self)
        case .int32: return integer(Int32.self)
        case .int64: return integer(Int64.self)
        case .uint8: return integer(UInt8.self)
        case .uint16: return integer(UInt16.self)
        case .uint32: return integer(UInt32.self)
        case .uint64: return integer(UInt64.self)
        case .fp16: return Float(text).map { append(Half.bits(of: $0), to: &raw) }
        case .bf16: return Float(text).map { append(UInt16(truncatingIfNeeded: $0.bitPattern >> 16), to: &raw) }
        case .fp32: return Float(text).map { append($0.bitPattern, to: &raw) }
        case .fp64: return Double(text).map { append($0.bitPattern, to: &raw) }
        case .bytes: return nil
        }
    }

    // MARK: Raw bytes

    /// One element of a raw tensor.
    package enum Element {
        case bool(Bool)
        case signed(Int64)
        case unsigned(UInt64)
        case float(Double)
        case bytes(ArraySlice<UInt8>)
    }

    /// The number of elements in `raw` as `datatype`, or the error saying why it is not whole elements.
    package static func count(
        of raw: [UInt8], datatype: TensorDatatype, tensor: String, origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) -> Int {
        if let width = datatype.width {
            guard raw.count % width == 0 else {
                throw OpenInferenceError(
                    origin,
                    "Tensor \(tensor) has \(raw.count) bytes of data, not a whole number of \(datatype.rawValue) "
                        + "elements of \(width) bytes.")
            }
            return raw.count / width
        }
        var count = 0
        try forEachElement(of: raw, datatype: datatype, tensor: tensor, origin: origin) { _ in count += 1 }
        return count
    }

    /// Calls `body` with each element of `raw` read as `datatype` (little-endian; `BYTES` as 4-byte lengths each
    /// followed by that many bytes).
    package static func forEachElement(
        of raw: [UInt8], datatype: TensorDatatype, tensor: String, origin: OpenInferenceError.Origin,
        _ body: (Element) throws(OpenInferenceError) -> Void
    ) throws(OpenInferenceError) {
        guard let width = datatype.width else {
            var offset = 0
            while offset < raw.count {
                guard offset + 4 <= raw.count else {
                    throw OpenInferenceError(origin, "Tensor \(tensor) ends inside the length of a BYTES element.")
                }
                let length = Int(load(UInt32.self, from: raw, at: offset))
                offset += 4
                guard length <= raw.count - offset else {
                    throw OpenInferenceError(
                        origin, "Tensor \(tensor) has a BYTES element of \(length) bytes past the end of its data.")
                }
                try body(.bytes(raw[offset..<(offset + length)]))
                offset += length
            }
            return
        }
        guard raw.count % width == 0 else {
            throw OpenInferenceError(
                origin,
                "Tensor \(tensor) has \(raw.count) bytes of data, not a whole number of \(datatype.rawValue) elements "
                    + "of \(width) bytes.")
        }
        var offset = 0
        while offset < raw.count {
            let element: Element
            switch datatype {
            case .bool: element = .bool(raw[offset] != 0)
            case .int8: element = .signed(Int64(Int8(bitPattern: raw[offset])))
            case .int16: element = .signed(Int64(load(Int16.self, from: raw, at: offset)))
            case .int32: element = .signed(Int64(load(Int32.self, from: raw, at: offset)))
            case .int64: element = .signed(load(Int64.self, from: raw, at: offset))
            case .uint8: element = .unsigned(UInt64(raw[offset]))
            case .uint16: element = .unsigned(UInt64(load(UInt16.self, from: raw, at: offset)))
            case .uint32: element = .unsigned(UInt64(load(UInt32.self, from: raw, at: offset)))
            case .uint64: element = .unsigned(load(UInt64.self, from: raw, at: offset))
            case .fp16: element = .float(Double(Half.value(of: load(UInt16.self, from: raw, at: offset))))
            case .bf16:
                element = .float(
                    Double(Float(bitPattern: UInt32(load(UInt16.self, from: raw, at: offset)) << 16)))
            case .fp32: element = .float(Double(Float(bitPattern: load(UInt32.self, from: raw, at: offset))))
            case .fp64: element = .float(Double(bitPattern: load(UInt64.self, from: raw, at: offset)))
            case .bytes: preconditionFailure("BYTES has no fixed width")
            }
            try body(element)
            offset += width
        }
    }

    private static func append<Value: FixedWidthInteger>(_ value: Value, to raw: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { raw.append(contentsOf: $0) }
    }

    private static func load<Value: FixedWidthInteger>(_: Value.Type, from raw: [UInt8], at offset: Int) -> Value {
        raw.withUnsafeBytes { Value(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: Value.self)) }
    }
}

/// IEEE 754 half precision (FP16) to and from single, done by hand: `Float16` is not available on every platform
/// Swift runs on.
enum Half {
    /// The FP16 bits of `value`, rounded to nearest even.
    static func bits(of value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF)
        var mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF {  // infinity or NaN
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }
        if halfExponent <= 0 {
            guard halfExponent >= -10 else { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - halfExponent)
            var half = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            if remainder > halfway || (remainder == halfway && half & 1 == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(halfExponent) << 10 | mantissa >> 13
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && half & 1 == 1) { half += 1 }
        return sign | UInt16(half)
    }

    /// The value of the FP16 `bits`.
    static func value(of bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
