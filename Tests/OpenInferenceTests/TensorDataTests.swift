import Foundation
import Testing

@testable import OpenInference

@Suite("Tensor data between raw bytes, typed contents and JSON")
struct TensorDataTests {
    private func json(_ raw: [UInt8], _ datatype: TensorDatatype) throws -> String {
        var output: [UInt8] = []
        try TensorData.appendJSON(raw, datatype: datatype, tensor: "t", origin: .request, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    private func raw(json text: String, _ datatype: TensorDatatype) throws -> (raw: [UInt8], count: Int) {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBytes { buffer in
            let result = Result { () throws(OpenInferenceError) in
                try TensorData.raw(
                    fromJSON: .init(bytes: buffer), at: 0..<buffer.count, datatype: datatype, tensor: "t",
                    origin: .request)
            }
            return try result.get()
        }
    }

    @Test(
        "Every datatype goes from JSON to raw bytes and back",
        arguments: [
            (TensorDatatype.bool, "[true,false,true]"), (.int8, "[-128,0,127]"), (.int16, "[-32768,7,32767]"),
            (.int32, "[-2147483648,2147483647]"), (.int64, "[-9223372036854775808,9223372036854775807]"),
            (.uint8, "[0,255]"), (.uint16, "[65535]"), (.uint32, "[4294967295]"), (.uint64, "[18446744073709551615]"),
            (.fp32, "[0.5,-1.25,3.4028235e+38]"), (.fp64, "[0.1,-2.5e-300]"), (.fp16, "[0.5,-2.0,65504.0]"),
            (.bf16, "[1.0,-0.5]"), (.bytes, #"["a","",""#.appending("héllo\"]")),
        ])
    func roundTrip(datatype: TensorDatatype, text: String) throws {
        let (raw, count) = try raw(json: text, datatype)
        #expect(try TensorData.count(of: raw, datatype: datatype, tensor: "t", origin: .request) == count)
        #expect(try json(raw, datatype) == text)
        if datatype.hasTypedContents {
            let contents = try TensorData.contents(fromRaw: raw, datatype: datatype, tensor: "t", origin: .request)
            #expect(try TensorData.raw(from: contents, datatype: datatype, tensor: "t", origin: .request) == raw)
        }
    }

    @Test("Nested data is flattened in row-major order; integers written as 1.0 are read")
    func nestedData() throws {
        let (raw, count) = try raw(json: "[[1, 2.0], [3 ,4]]", .int32)
        #expect(count == 4)
        #expect(try json(raw, .int32) == "[1,2,3,4]")
    }

    @Test("Values that are not of the datatype are named")
    func invalidValues() throws {
        for (text, datatype, message) in [
            ("[256]", TensorDatatype.uint8, "Tensor t has 256 in its data, which is not a UINT8."),
            ("[1.5]", .int64, "Tensor t has 1.5 in its data, which is not a INT64."),
            (#"["x"]"#, .fp32, #"Tensor t has "x" in its data, which is not a FP32."#),
            ("[1]", .bytes, "Tensor t has 1 in its data, which is not a BYTES."),
            ("[null]", .fp64, "Tensor t has null in its data, which is not a FP64."),
            ("[1,", .fp64, "Tensor t has invalid data: unterminated array."),
        ] {
            #expect(throws: OpenInferenceError(.request, message)) { try raw(json: text, datatype) }
        }
    }

    @Test("JSON cannot carry NaN, infinities or bytes that are not UTF-8")
    func notJSON() throws {
        let nan = withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) }
        #expect(throws: OpenInferenceError.self) { try json(nan, .fp32) }
        #expect(throws: OpenInferenceError.self) { try json([1, 0, 0, 0, 0xFF], .bytes) }
    }

    @Test("Raw data that is not whole elements is refused")
    func partialElements() {
        #expect(throws: OpenInferenceError.self) {
            try TensorData.count(of: [1, 2, 3], datatype: .fp32, tensor: "t", origin: .request)
        }
        #expect(throws: OpenInferenceError.self) {
            try TensorData.count(of: [9, 0, 0, 0, 1], datatype: .bytes, tensor: "t", origin: .request)
        }
        #expect(throws: OpenInferenceError.self) {
            try TensorData.count(of: [1, 0], datatype: .bytes, tensor: "t", origin: .request)
        }
    }

    @Test("Typed contents out of the datatype's range are refused; FP16 has no typed contents")
    func typedContents() {
        var contents = Inference_InferTensorContents()
        contents.intContents = [300]
        #expect(throws: OpenInferenceError(.request, "Tensor t has the value 300, which is not a INT8.")) {
            try TensorData.raw(from: contents, datatype: .int8, tensor: "t", origin: .request)
        }
        #expect(throws: OpenInferenceError.self) {
            try TensorData.raw(from: contents, datatype: .fp16, tensor: "t", origin: .request)
        }
    }

    @Test("FP16 conversion rounds to nearest even and keeps subnormals, infinities and NaN")
    func half() {
        for value: Float in [0, -0, 1, -2, 0.5, 65504, 6.1035156e-05, 5.9604645e-08, -3.0517578e-05] {
            #expect(Half.value(of: Half.bits(of: value)) == value)
        }
        #expect(Half.bits(of: 1) == 0x3C00)
        #expect(Half.bits(of: 65520) == 0x7C00)
        #expect(Half.bits(of: 1 + 0x1p-11) == 0x3C00)
        #expect(Half.bits(of: 1 + 0x1p-11 + 0x1p-20) == 0x3C01)
        #expect(Half.value(of: 0x7C00) == .infinity)
        #expect(Half.value(of: 0x7E00).isNaN)
    }
}

extension OpenInferenceError: Equatable {
    public static func == (lhs: OpenInferenceError, rhs: OpenInferenceError) -> Bool {
        lhs.origin == rhs.origin && lhs.message == rhs.message
    }
}
