/// A tensor element type of the protocol (`datatype`), with its size in `raw_input_contents`, in binary tensor data
/// and in the typed `contents` of the gRPC messages.
package enum TensorDatatype: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "UINT8"
    case uint16 = "UINT16"
    case uint32 = "UINT32"
    case uint64 = "UINT64"
    case int8 = "INT8"
    case int16 = "INT16"
    case int32 = "INT32"
    case int64 = "INT64"
    case fp16 = "FP16"
    case fp32 = "FP32"
    case fp64 = "FP64"
    case bf16 = "BF16"
    case bytes = "BYTES"

    /// Bytes per element in the raw (little-endian) form; nil for `BYTES`, whose elements each carry a 4-byte length.
    package var width: Int? {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .fp16, .bf16: 2
        case .uint32, .int32, .fp32: 4
        case .uint64, .int64, .fp64: 8
        case .bytes: nil
        }
    }

    /// Whether the typed `contents` of a gRPC message can hold it: FP16 and BF16 travel only as raw bytes.
    package var hasTypedContents: Bool { self != .fp16 && self != .bf16 }

    /// The datatype named `name`, or the client's (or model server's) error naming the tensor.
    package static func named(_ name: String, tensor: String, origin: OpenInferenceError.Origin)
        throws(OpenInferenceError) -> TensorDatatype
    {
        guard let datatype = TensorDatatype(rawValue: name) else {
            throw OpenInferenceError(
                origin,
                "Tensor \(tensor) has datatype \"\(name)\"; the protocol's datatypes are "
                    + allCases.map(\.rawValue).joined(separator: ", ") + ".")
        }
        return datatype
    }
}
