import OpenInference
import SwiftProtobuf

/// The Open Inference target: the bytes as a REST infer body (request and answer, JSON alone and with a binary part
/// after the first NUL, as `Inference-Header-Content-Length` gives it), and as a gRPC `ModelInferRequest` and
/// `ModelInferResponse` converted to the REST form.
enum OpenInferenceFuzzing {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let headerLength = bytes.firstIndex(of: 0)
        for length in [nil, headerLength] {
            _ = try? InferenceJSON.inferRequest(restBody: bytes, headerLength: length, model: "m", version: "")
            _ = try? InferenceJSON.inferResponse(restBody: bytes, headerLength: length, raw: false)
            _ = try? InferenceJSON.inferResponse(restBody: bytes, headerLength: length, raw: true)
        }
        if let request = try? Inference_ModelInferRequest(serializedBytes: Array(bytes)) {
            _ = try? InferenceJSON.restBody(of: request)
        }
        if let response = try? Inference_ModelInferResponse(serializedBytes: Array(bytes)) {
            var binary = InferenceJSON.BinaryOutputs()
            binary.all = bytes.count % 2 == 0
            _ = try? InferenceJSON.restBody(of: response, binary: binary)
        }
    }
}
