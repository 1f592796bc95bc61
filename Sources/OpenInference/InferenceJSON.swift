import Foundation
import WireFormats

/// The protocol's messages between their gRPC form (protobuf) and their REST form (a JSON document, optionally
/// followed by binary tensor data whose JSON length `Inference-Header-Content-Length` gives).
///
/// Inside the gateway an invocation is in the REST form whatever its front, so enrichment, templates and capture
/// read one form; a gRPC front converts on the way in and out, an `oip-grpc` backend on the way out and back.
/// Tensor data is written as flat `data` arrays with the tensor's `shape`, which the protocol allows and every
/// REST model server reads.
package enum InferenceJSON {
    /// The `parameters` key with which binary tensor data gives a tensor's size in bytes.
    static let binaryDataSize = "binary_data_size"

    // MARK: ModelInferRequest ⇄ REST

    /// The REST body of `request`: its id, parameters, inputs with their data in JSON, and requested outputs. The
    /// model's name and version are in the REST path, not the body.
    package static func restBody(of request: Inference_ModelInferRequest) throws(OpenInferenceError) -> [UInt8] {
        let raw = request.rawInputContents
        guard raw.isEmpty || raw.count == request.inputs.count else {
            throw OpenInferenceError(
                .request,
                "The request has \(request.inputs.count) inputs and \(raw.count) raw_input_contents; when raw "
                    + "contents are used, every input has one.")
        }
        var output: [UInt8] = []
        output.reserveCapacity(raw.reduce(256) { $0 + $1.count * 2 })
        output.append(UInt8(ascii: "{"))
        if !request.id.isEmpty {
            output.append(contentsOf: #""id":"#.utf8)
            JSONText.appendString(request.id, to: &output)
            output.append(UInt8(ascii: ","))
        }
        if !request.parameters.isEmpty {
            output.append(contentsOf: #""parameters":"#.utf8)
            try appendParameters(request.parameters, origin: .request, to: &output)
            output.append(UInt8(ascii: ","))
        }
        output.append(contentsOf: #""inputs":["#.utf8)
        var noBinaryData: [UInt8] = []
        for (index, input) in request.inputs.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            try appendTensor(
                name: input.name, datatype: input.datatype, shape: input.shape, parameters: input.parameters,
                contents: input.contents, raw: raw.isEmpty ? nil : raw[index], binary: false, origin: .request,
                to: &output, binaryData: &noBinaryData)
        }
        output.append(UInt8(ascii: "]"))
        if !request.outputs.isEmpty {
            output.append(contentsOf: #","outputs":["#.utf8)
            for (index, requested) in request.outputs.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: #"{"name":"#.utf8)
                JSONText.appendString(requested.name, to: &output)
                if !requested.parameters.isEmpty {
                    output.append(contentsOf: #","parameters":"#.utf8)
                    try appendParameters(requested.parameters, origin: .request, to: &output)
                }
                output.append(UInt8(ascii: "}"))
            }
            output.append(UInt8(ascii: "]"))
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// The gRPC request of a REST infer body (binary tensor data after `headerLength` bytes of JSON, if given) for
    /// `model` at `version`, and which outputs the REST client asked in binary. Inputs go as raw contents, which
    /// every gRPC server reads for every datatype; the binary extension's parameters (`binary_data_output`, an
    /// output's `binary_data`) stay on the REST side.
    package static func inferRequest(
        restBody body: UnsafeRawBufferPointer, headerLength: Int?, model: String, version: String
    ) throws(OpenInferenceError) -> (request: Inference_ModelInferRequest, binaryOutputs: BinaryOutputs) {
        let document = try RESTDocument(body, headerLength: headerLength, tensorsKey: "inputs", origin: .request)
        var request = Inference_ModelInferRequest()
        request.modelName = model
        request.modelVersion = version
        request.id = document.id
        request.parameters = document.parameters.filter { $0.key != BinaryOutputs.allKey }
        for tensor in document.tensors {
            var input = Inference_ModelInferRequest.InferInputTensor()
            input.name = tensor.name
            input.datatype = tensor.datatype.rawValue
            input.shape = tensor.shape
            input.parameters = tensor.parameters
            request.inputs.append(input)
            request.rawInputContents.append(Data(tensor.raw))
        }
        var binaryOutputs = BinaryOutputs()
        if case .boolParam(let all) = document.parameters[BinaryOutputs.allKey]?.parameterChoice {
            binaryOutputs.all = all
        }
        for requested in document.requestedOutputs {
            var output = Inference_ModelInferRequest.InferRequestedOutputTensor()
            output.name = requested.name
            output.parameters = requested.parameters.filter { $0.key != BinaryOutputs.outputKey }
            if case .boolParam(let binary) = requested.parameters[BinaryOutputs.outputKey]?.parameterChoice {
                binaryOutputs.named[requested.name] = binary
            }
            request.outputs.append(output)
        }
        return (request, binaryOutputs)
    }

    /// Which outputs a REST client asked as binary tensor data: `binary_data_output` in the request's parameters
    /// for all, `binary_data` in a requested output's for that one (which wins).
    package struct BinaryOutputs: Sendable, Equatable {
        static let allKey = "binary_data_output"
        static let outputKey = "binary_data"

        package var all = false
        package var named: [String: Bool] = [:]

        package init() {}

        package func isBinary(_ output: String) -> Bool { named[output] ?? all }
    }

    // MARK: ModelInferResponse ⇄ REST

    /// The gRPC response of a REST infer answer (binary tensor data after `headerLength` bytes of JSON, if given).
    /// Outputs go as raw contents when `raw` (the client sent raw inputs, as Triton's clients do) or when an output
    /// has no typed contents (FP16, BF16); otherwise as typed contents.
    package static func inferResponse(
        restBody body: UnsafeRawBufferPointer, headerLength: Int?, raw: Bool
    ) throws(OpenInferenceError) -> Inference_ModelInferResponse {
        let document = try RESTDocument(body, headerLength: headerLength, tensorsKey: "outputs", origin: .modelServer)
        var response = Inference_ModelInferResponse()
        response.modelName = document.modelName
        response.modelVersion = document.modelVersion
        response.id = document.id
        response.parameters = document.parameters
        let useRaw = raw || document.tensors.contains { !$0.datatype.hasTypedContents }
        for tensor in document.tensors {
            var output = Inference_ModelInferResponse.InferOutputTensor()
            output.name = tensor.name
            output.datatype = tensor.datatype.rawValue
            output.shape = tensor.shape
            output.parameters = tensor.parameters
            if useRaw {
                response.rawOutputContents.append(Data(tensor.raw))
            } else {
                output.contents = try TensorData.contents(
                    fromRaw: tensor.raw, datatype: tensor.datatype, tensor: tensor.name, origin: .modelServer)
            }
            response.outputs.append(output)
        }
        return response
    }

    /// The REST body of a gRPC infer response: JSON, followed by the outputs `binary` names as binary tensor data;
    /// `headerLength` (`Inference-Header-Content-Length`) is the JSON's length when there is binary data.
    package static func restBody(
        of response: Inference_ModelInferResponse, binary: BinaryOutputs = .init()
    ) throws(OpenInferenceError) -> (body: [UInt8], headerLength: Int?) {
        let raw = response.rawOutputContents
        guard raw.isEmpty || raw.count == response.outputs.count else {
            throw OpenInferenceError(
                .modelServer,
                "The model server answered \(response.outputs.count) outputs and \(raw.count) raw_output_contents.")
        }
        var output: [UInt8] = []
        output.reserveCapacity(raw.reduce(256) { $0 + $1.count * 2 })
        var binaryData: [UInt8] = []
        output.append(contentsOf: #"{"model_name":"#.utf8)
        JSONText.appendString(response.modelName, to: &output)
        if !response.modelVersion.isEmpty {
            output.append(contentsOf: #","model_version":"#.utf8)
            JSONText.appendString(response.modelVersion, to: &output)
        }
        if !response.id.isEmpty {
            output.append(contentsOf: #","id":"#.utf8)
            JSONText.appendString(response.id, to: &output)
        }
        if !response.parameters.isEmpty {
            output.append(contentsOf: #","parameters":"#.utf8)
            try appendParameters(response.parameters, origin: .modelServer, to: &output)
        }
        output.append(contentsOf: #","outputs":["#.utf8)
        for (index, tensor) in response.outputs.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            try appendTensor(
                name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, parameters: tensor.parameters,
                contents: tensor.contents, raw: raw.isEmpty ? nil : raw[index], binary: binary.isBinary(tensor.name),
                origin: .modelServer, to: &output, binaryData: &binaryData)
        }
        output.append(contentsOf: "]}".utf8)
        guard response.outputs.contains(where: { binary.isBinary($0.name) }) else { return (output, nil) }
        let headerLength = output.count
        output.append(contentsOf: binaryData)
        return (output, headerLength)
    }

    // MARK: Model metadata

    /// The gRPC model metadata of its REST JSON (`name`, `versions`, `platform`, `inputs`, `outputs`).
    package static func modelMetadata(json: [UInt8]) throws(OpenInferenceError) -> Inference_ModelMetadataResponse {
        let result = json.withUnsafeBytes { bytes in
            Result { () throws(OpenInferenceError) in try modelMetadata(scanner: JSONScanner(bytes: bytes)) }
        }
        return try result.get()
    }

    private static func modelMetadata(
        scanner: JSONScanner
    ) throws(OpenInferenceError) -> Inference_ModelMetadataResponse {
        var metadata = Inference_ModelMetadataResponse()
        try RESTDocument.members(of: scanner, origin: .modelServer) { key, range throws(OpenInferenceError) in
            switch key {
            case "name": metadata.name = try RESTDocument.string(scanner, range, origin: .modelServer)
            case "platform": metadata.platform = try RESTDocument.string(scanner, range, origin: .modelServer)
            case "versions":
                for element in try RESTDocument.elements(scanner, range, origin: .modelServer) {
                    metadata.versions.append(try RESTDocument.string(scanner, element, origin: .modelServer))
                }
            case "inputs", "outputs":
                var tensors: [Inference_ModelMetadataResponse.TensorMetadata] = []
                for element in try RESTDocument.elements(scanner, range, origin: .modelServer) {
                    var tensor = Inference_ModelMetadataResponse.TensorMetadata()
                    try RESTDocument.members(of: scanner, at: element.lowerBound, origin: .modelServer) {
                        key, range throws(OpenInferenceError) in
                        switch key {
                        case "name": tensor.name = try RESTDocument.string(scanner, range, origin: .modelServer)
                        case "datatype":
                            tensor.datatype = try RESTDocument.string(scanner, range, origin: .modelServer)
                        case "shape": tensor.shape = try RESTDocument.shape(scanner, range, origin: .modelServer)
                        default: break
                        }
                    }
                    tensors.append(tensor)
                }
                if key == "inputs" { metadata.inputs = tensors } else { metadata.outputs = tensors }
            default: break
            }
        }
        return metadata
    }

    // MARK: Writing

    /// Appends one tensor of a gRPC message in the REST form: its head, and its data from `raw` (its raw contents)
    /// or `contents`, as JSON or, when `binary`, into `binaryData` with its size in the parameters.
    private static func appendTensor(
        name: String, datatype datatypeName: String, shape: [Int64], parameters: [String: Inference_InferParameter],
        contents: Inference_InferTensorContents, raw: Data?, binary: Bool, origin: OpenInferenceError.Origin,
        to output: inout [UInt8], binaryData: inout [UInt8]
    ) throws(OpenInferenceError) {
        let datatype = try TensorDatatype.named(datatypeName, tensor: name, origin: origin)
        let data: [UInt8]
        if let raw {
            data = [UInt8](raw)
        } else {
            data = try TensorData.raw(from: contents, datatype: datatype, tensor: name, origin: origin)
        }
        try appendTensorHead(
            name: name, datatype: datatype, shape: shape, parameters: parameters,
            binaryDataSize: binary ? data.count : nil, origin: origin, to: &output)
        try checkCount(data, datatype: datatype, shape: shape, tensor: name, origin: origin)
        if binary {
            binaryData.append(contentsOf: data)
        } else {
            output.append(contentsOf: #","data":"#.utf8)
            try TensorData.appendJSON(data, datatype: datatype, tensor: name, origin: origin, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    private static func appendTensorHead(
        name: String, datatype: TensorDatatype, shape: [Int64], parameters: [String: Inference_InferParameter],
        binaryDataSize size: Int? = nil, origin: OpenInferenceError.Origin, to output: inout [UInt8]
    ) throws(OpenInferenceError) {
        output.append(contentsOf: #"{"name":"#.utf8)
        JSONText.appendString(name, to: &output)
        output.append(contentsOf: #","datatype":""#.utf8)
        output.append(contentsOf: datatype.rawValue.utf8)
        output.append(contentsOf: #"","shape":["#.utf8)
        output.append(contentsOf: shape.map(String.init).joined(separator: ",").utf8)
        output.append(UInt8(ascii: "]"))
        var parameters = parameters.filter { $0.key != binaryDataSize }
        if let size { parameters[binaryDataSize] = .with { $0.int64Param = Int64(size) } }
        if !parameters.isEmpty {
            output.append(contentsOf: #","parameters":"#.utf8)
            try appendParameters(parameters, origin: origin, to: &output)
        }
    }

    /// Checks that `data` has as many elements as `shape` says.
    private static func checkCount(
        _ data: [UInt8], datatype: TensorDatatype, shape: [Int64], tensor: String, origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) {
        let count = try TensorData.count(of: data, datatype: datatype, tensor: tensor, origin: origin)
        guard let expected = elementCount(of: shape), expected == count else {
            throw OpenInferenceError(
                origin,
                "Tensor \(tensor) has \(count) elements; its shape [\(shape.map(String.init).joined(separator: ","))] "
                    + "needs \(elementCount(of: shape).map(String.init) ?? "an impossible number").")
        }
    }

    /// The number of elements of a tensor of `shape`; nil when a dimension is negative or the product overflows.
    static func elementCount(of shape: [Int64]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0,
                case (let product, let overflow) = count.multipliedReportingOverflow(by: Int(dimension)),
                !overflow
            else { return nil }
            count = product
        }
        return count
    }

    /// Appends parameters as a JSON object, in key order (the map has none).
    static func appendParameters(
        _ parameters: [String: Inference_InferParameter], origin: OpenInferenceError.Origin, to output: inout [UInt8]
    ) throws(OpenInferenceError) {
        output.append(UInt8(ascii: "{"))
        for (index, key) in parameters.keys.sorted().enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            JSONText.appendString(key, to: &output)
            output.append(UInt8(ascii: ":"))
            switch parameters[key]?.parameterChoice {
            case .boolParam(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
            case .int64Param(let value): output.append(contentsOf: String(value).utf8)
            case .uint64Param(let value): output.append(contentsOf: String(value).utf8)
            case .doubleParam(let value):
                guard value.isFinite else {
                    throw OpenInferenceError(origin, "Parameter \(key) is \(value), which JSON cannot carry.")
                }
                output.append(contentsOf: String(value).utf8)
            case .stringParam(let value): JSONText.appendString(value, to: &output)
            case nil: output.append(contentsOf: "null".utf8)
            }
        }
        output.append(UInt8(ascii: "}"))
    }
}
