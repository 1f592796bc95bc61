import Foundation
import GRPCCore
import Testing

@testable import OpenInference

@Suite("Infer messages between the gRPC and REST forms")
struct InferenceJSONTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private func inferRequest(_ body: String, headerLength: Int? = nil) throws -> (
        request: Inference_ModelInferRequest, binaryOutputs: InferenceJSON.BinaryOutputs
    ) {
        try Array(body.utf8).withUnsafeBytes { bytes in
            try Result { () throws(OpenInferenceError) in
                try InferenceJSON.inferRequest(restBody: bytes, headerLength: headerLength, model: "m", version: "")
            }.get()
        }
    }

    private func inferResponse(_ body: [UInt8], headerLength: Int? = nil, raw: Bool) throws
        -> Inference_ModelInferResponse
    {
        try body.withUnsafeBytes { bytes in
            try Result { () throws(OpenInferenceError) in
                try InferenceJSON.inferResponse(restBody: bytes, headerLength: headerLength, raw: raw)
            }.get()
        }
    }

    @Test("A gRPC request with raw contents becomes REST JSON with its id, parameters and requested outputs")
    func rawRequestToREST() throws {
        var request = Inference_ModelInferRequest()
        request.id = "r1"
        request.parameters["priority"] = .with { $0.int64Param = 2 }
        request.parameters["label"] = .with { $0.stringParam = "x\"y" }
        request.inputs = [
            .with {
                $0.name = "a"
                $0.datatype = "FP32"
                $0.shape = [1, 2]
            },
            .with {
                $0.name = "s"
                $0.datatype = "BYTES"
                $0.shape = [1]
            },
        ]
        request.rawInputContents = [
            Data([0, 0, 0, 0x3F, 0, 0, 0x80, 0xBF]), Data([2, 0, 0, 0, 0x68, 0x69]),
        ]
        request.outputs = [.with { $0.name = "out" }]
        #expect(
            text(try InferenceJSON.restBody(of: request))
                == #"{"id":"r1","parameters":{"label":"x\"y","priority":2},"inputs":[{"name":"a","datatype":"FP32","#
                + #""shape":[1,2],"data":[0.5,-1.0]},{"name":"s","datatype":"BYTES","shape":[1],"data":["hi"]}],"#
                + #""outputs":[{"name":"out"}]}"#)
    }

    @Test("Typed contents convert like raw ones; counts, shapes and datatypes are checked")
    func typedRequestToREST() throws {
        var request = Inference_ModelInferRequest()
        request.inputs = [
            .with {
                $0.name = "x"
                $0.datatype = "INT64"
                $0.shape = [3]
                $0.contents.int64Contents = [1, -2, 3]
            }
        ]
        #expect(
            text(try InferenceJSON.restBody(of: request))
                == #"{"inputs":[{"name":"x","datatype":"INT64","shape":[3],"data":[1,-2,3]}]}"#)
        request.inputs[0].shape = [2, 2]
        #expect(throws: OpenInferenceError(.request, "Tensor x has 3 elements; its shape [2,2] needs 4.")) {
            try InferenceJSON.restBody(of: request)
        }
        request.inputs[0].datatype = "FLOAT"
        #expect(throws: OpenInferenceError.self) { try InferenceJSON.restBody(of: request) }
        request.inputs[0].datatype = "INT64"
        request.inputs[0].shape = [3]
        request.rawInputContents = [Data(), Data()]
        #expect(throws: OpenInferenceError.self) { try InferenceJSON.restBody(of: request) }
    }

    @Test("A REST request becomes raw contents, its binary extension parameters kept on the REST side")
    func restRequestToGRPC() throws {
        let (request, binary) = try inferRequest(
            #"{"id":"7","parameters":{"binary_data_output":true,"n":1.5,"deep":{"a":[1]}},"#
                + #""inputs":[{"name":"a","shape":[2],"datatype":"UINT8","data":[1,2]}],"#
                + #""outputs":[{"name":"p","parameters":{"binary_data":false}},{"name":"q"}]}"#)
        #expect(request.modelName == "m" && request.id == "7")
        #expect(request.parameters.keys.sorted() == ["deep", "n"])
        #expect(request.parameters["n"]?.doubleParam == 1.5)
        #expect(request.parameters["deep"]?.stringParam == #"{"a":[1]}"#)
        #expect(request.rawInputContents == [Data([1, 2])])
        #expect(request.outputs.map(\.name) == ["p", "q"] && request.outputs[0].parameters.isEmpty)
        #expect(!binary.isBinary("p") && binary.isBinary("q"))
    }

    @Test("Binary tensor data after the JSON header is read by binary_data_size")
    func restBinaryRequest() throws {
        let header = #"{"inputs":[{"name":"a","shape":[2],"datatype":"INT16","parameters":{"binary_data_size":4}}]}"#
        let body = header + "\u{1}\u{0}\u{2}\u{0}"
        let (request, _) = try inferRequest(body, headerLength: header.utf8.count)
        #expect(request.rawInputContents == [Data([1, 0, 2, 0])])
        #expect(request.inputs[0].parameters.isEmpty)
        #expect(throws: OpenInferenceError.self) { try inferRequest(header, headerLength: header.utf8.count) }
        #expect(throws: OpenInferenceError.self) { try inferRequest(body, headerLength: body.utf8.count + 1) }
    }

    @Test("Malformed REST requests are named")
    func malformedREST() {
        for (body, message) in [
            ("{", "The body is not valid JSON: member name expected at offset 1."),
            (#"{"inputs":[{"name":"a","shape":[1],"data":[1]}]}"#, "Tensor a has no datatype."),
            (
                #"{"inputs":[{"name":"a","shape":[1],"datatype":"FP32"}]}"#,
                "Tensor a has neither data nor binary_data_size."
            ),
            (
                #"{"inputs":[{"name":"a","shape":[3],"datatype":"FP32","data":[1,2]}]}"#,
                "Tensor a has 2 elements in its data; its shape [3] needs 3."
            ),
        ] {
            #expect(throws: OpenInferenceError(.request, message)) { try inferRequest(body) }
        }
    }

    @Test("A REST answer becomes raw outputs for a raw client, typed ones otherwise, raw for FP16")
    func restResponseToGRPC() throws {
        let body = Array(
            (#"{"model_name":"m","model_version":"1","id":"i","outputs":[{"name":"p","datatype":"FP64","shape":[2],"#
                + #""data":[0.25,1]}]}"#).utf8)
        let raw = try inferResponse(body, raw: true)
        #expect(raw.modelName == "m" && raw.modelVersion == "1" && raw.id == "i")
        #expect(raw.rawOutputContents == [Data([0, 0, 0, 0, 0, 0, 0xD0, 0x3F, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])])
        let typed = try inferResponse(body, raw: false)
        #expect(typed.rawOutputContents.isEmpty && typed.outputs[0].contents.fp64Contents == [0.25, 1])
        let half = Array(#"{"outputs":[{"name":"h","datatype":"FP16","shape":[1],"data":[1.0]}]}"#.utf8)
        #expect(try inferResponse(half, raw: false).rawOutputContents == [Data([0, 0x3C])])
    }

    @Test("A gRPC answer becomes REST JSON, with the outputs asked in binary after the JSON header")
    func grpcResponseToREST() throws {
        var response = Inference_ModelInferResponse()
        response.modelName = "m"
        response.outputs = [
            .with {
                $0.name = "p"
                $0.datatype = "INT32"
                $0.shape = [2]
                $0.contents.intContents = [4, 5]
            },
            .with {
                $0.name = "q"
                $0.datatype = "BOOL"
                $0.shape = [1]
                $0.contents.boolContents = [true]
            },
        ]
        let json = try InferenceJSON.restBody(of: response)
        #expect(json.headerLength == nil)
        #expect(
            text(json.body)
                == #"{"model_name":"m","outputs":[{"name":"p","datatype":"INT32","shape":[2],"data":[4,5]},"#
                + #"{"name":"q","datatype":"BOOL","shape":[1],"data":[true]}]}"#)
        var binary = InferenceJSON.BinaryOutputs()
        binary.named["p"] = true
        let mixed = try InferenceJSON.restBody(of: response, binary: binary)
        let header =
            #"{"model_name":"m","outputs":[{"name":"p","datatype":"INT32","shape":[2],"#
            + #""parameters":{"binary_data_size":8}},{"name":"q","datatype":"BOOL","shape":[1],"data":[true]}]}"#
        #expect(mixed.headerLength == header.utf8.count)
        #expect(mixed.body == Array(header.utf8) + [4, 0, 0, 0, 5, 0, 0, 0])
        // And back: the binary answer reads as the same outputs.
        let again = try inferResponse(mixed.body, headerLength: mixed.headerLength, raw: false)
        #expect(again.outputs.map(\.contents) == response.outputs.map(\.contents))
    }

    @Test("Model metadata's REST JSON becomes the gRPC message")
    func metadata() throws {
        let json =
            #"{"name":"m","versions":["a","b"],"platform":"p","inputs":[{"name":"x","datatype":"FP32","shape":[-1,4]}],"#
            + #""outputs":[{"name":"y","datatype":"INT64","shape":[-1]}],"extra":{"k":1}}"#
        let metadata = try InferenceJSON.modelMetadata(json: Array(json.utf8))
        #expect(metadata.name == "m" && metadata.versions == ["a", "b"] && metadata.platform == "p")
        #expect(metadata.inputs.map(\.shape) == [[-1, 4]] && metadata.outputs.map(\.datatype) == ["INT64"])
    }

    @Test("HTTP statuses and gRPC codes map both ways")
    func statuses() {
        #expect(GRPCStatus.code(forHTTPStatus: 400) == .invalidArgument)
        #expect(GRPCStatus.code(forHTTPStatus: 404) == .notFound)
        #expect(GRPCStatus.code(forHTTPStatus: 429) == .resourceExhausted)
        #expect(GRPCStatus.code(forHTTPStatus: 424) == .failedPrecondition)
        #expect(GRPCStatus.code(forHTTPStatus: 503) == .unavailable)
        #expect(GRPCStatus.code(forHTTPStatus: 500) == .internalError)
        for code in [RPCError.Code.invalidArgument, .notFound, .unauthenticated, .permissionDenied, .unavailable] {
            #expect(GRPCStatus.code(forHTTPStatus: GRPCStatus.httpStatus(of: code)) == code)
        }
    }
}
