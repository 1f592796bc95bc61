import WireFormats

/// A REST infer request or response, read: its id, model, parameters and tensors with their data as raw bytes
/// (from the JSON `data` or from the binary tensor data after the JSON).
struct RESTDocument {
    struct Tensor {
        var name = ""
        var datatype = TensorDatatype.fp32
        var shape: [Int64] = []
        var parameters: [String: Inference_InferParameter] = [:]
        var raw: [UInt8] = []
    }

    struct RequestedOutput {
        var name = ""
        var parameters: [String: Inference_InferParameter] = [:]
    }

    var id = ""
    var modelName = ""
    var modelVersion = ""
    var parameters: [String: Inference_InferParameter] = [:]
    var tensors: [Tensor] = []
    var requestedOutputs: [RequestedOutput] = []

    /// Reads `body`; `tensorsKey` is `inputs` for a request, `outputs` for a response.
    init(
        _ body: UnsafeRawBufferPointer, headerLength: Int?, tensorsKey: String, origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) {
        let jsonLength = headerLength ?? body.count
        guard jsonLength >= 0, jsonLength <= body.count else {
            throw OpenInferenceError(
                origin, "Inference-Header-Content-Length is \(jsonLength), but the body has \(body.count) bytes.")
        }
        let scanner = JSONScanner(bytes: UnsafeRawBufferPointer(rebasing: body[..<jsonLength]))
        do throws(JSONScanner.Invalid) {
            try scanner.validate()
        } catch {
            throw OpenInferenceError(origin, "The body is not valid JSON: \(error.reason) at offset \(error.offset).")
        }
        var binaryOffset = jsonLength
        var tensorRanges: [Range<Int>] = []
        try Self.members(of: scanner, origin: origin) { key, range throws(OpenInferenceError) in
            switch key {
            case "id": id = try Self.string(scanner, range, origin: origin)
            case "model_name": modelName = try Self.string(scanner, range, origin: origin)
            case "model_version": modelVersion = try Self.string(scanner, range, origin: origin)
            case "parameters": parameters = try Self.parameters(scanner, range, origin: origin)
            case tensorsKey: tensorRanges = try Self.elements(scanner, range, origin: origin)
            case "outputs":
                for element in try Self.elements(scanner, range, origin: origin) {
                    var output = RequestedOutput()
                    try Self.members(of: scanner, at: element.lowerBound, origin: origin) {
                        key, range throws(OpenInferenceError) in
                        switch key {
                        case "name": output.name = try Self.string(scanner, range, origin: origin)
                        case "parameters": output.parameters = try Self.parameters(scanner, range, origin: origin)
                        default: break
                        }
                    }
                    requestedOutputs.append(output)
                }
            default: break
            }
        }
        for range in tensorRanges {
            var tensor = Tensor()
            var datatype: String?
            var data: Range<Int>?
            try Self.members(of: scanner, at: range.lowerBound, origin: origin) {
                key, range throws(OpenInferenceError) in
                switch key {
                case "name": tensor.name = try Self.string(scanner, range, origin: origin)
                case "datatype": datatype = try Self.string(scanner, range, origin: origin)
                case "shape": tensor.shape = try Self.shape(scanner, range, origin: origin)
                case "parameters": tensor.parameters = try Self.parameters(scanner, range, origin: origin)
                case "data": data = range
                default: break
                }
            }
            guard let datatype else {
                throw OpenInferenceError(origin, "Tensor \(tensor.name) has no datatype.")
            }
            tensor.datatype = try TensorDatatype.named(datatype, tensor: tensor.name, origin: origin)
            let expected = InferenceJSON.elementCount(of: tensor.shape)
            if case .int64Param(let size) = tensor.parameters[InferenceJSON.binaryDataSize]?.parameterChoice {
                guard size >= 0, size <= body.count - binaryOffset else {
                    throw OpenInferenceError(
                        origin,
                        "Tensor \(tensor.name) has binary_data_size \(size), past the end of the binary data.")
                }
                tensor.raw = [UInt8](body[binaryOffset..<(binaryOffset + Int(size))])
                binaryOffset += Int(size)
                tensor.parameters[InferenceJSON.binaryDataSize] = nil
            } else if let data {
                let (raw, count) = try TensorData.raw(
                    fromJSON: scanner, at: data, datatype: tensor.datatype, tensor: tensor.name, origin: origin)
                guard count == expected else {
                    throw OpenInferenceError(
                        origin,
                        "Tensor \(tensor.name) has \(count) elements in its data; its shape "
                            + "[\(tensor.shape.map(String.init).joined(separator: ","))] needs "
                            + "\(expected.map(String.init) ?? "an impossible number").")
                }
                tensor.raw = raw
            } else {
                throw OpenInferenceError(origin, "Tensor \(tensor.name) has neither data nor binary_data_size.")
            }
            tensors.append(tensor)
        }
    }

    // MARK: Reading values

    /// Calls `body` with each member's key and value range of the object at `start` (the root by default).
    static func members(
        of scanner: JSONScanner, at start: Int? = nil, origin: OpenInferenceError.Origin,
        _ body: (String, Range<Int>) throws(OpenInferenceError) -> Void
    ) throws(OpenInferenceError) {
        var members: [(String, Range<Int>)] = []
        do throws(JSONScanner.Invalid) {
            let object: Int
            if let start { object = start } else { object = try scanner.rootValue().lowerBound }
            try scanner.forEachMember(ofObjectAt: object) { member throws(JSONScanner.Invalid) in
                members.append((try scanner.decodeString(member.keyRange), member.value))
                return true
            }
        } catch {
            throw OpenInferenceError(origin, "The body is not the protocol's: \(error.reason).")
        }
        for (key, range) in members { try body(key, range) }
    }

    static func elements(
        _ scanner: JSONScanner, _ range: Range<Int>, origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) -> [Range<Int>] {
        var elements: [Range<Int>] = []
        do throws(JSONScanner.Invalid) {
            try scanner.forEachElement(ofArrayAt: range.lowerBound) { elements.append($0) }
        } catch {
            throw OpenInferenceError(origin, "The body is not the protocol's: \(error.reason).")
        }
        return elements
    }

    static func string(
        _ scanner: JSONScanner, _ range: Range<Int>, origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) -> String {
        guard scanner.bytes[range.lowerBound] == UInt8(ascii: "\""),
            let text = try? scanner.scalarText(range)
        else {
            throw OpenInferenceError(
                origin, "The body is not the protocol's: a string expected at \(range.lowerBound).")
        }
        return text
    }

    static func shape(
        _ scanner: JSONScanner, _ range: Range<Int>, origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) -> [Int64] {
        var shape: [Int64] = []
        for element in try elements(scanner, range, origin: origin) {
            guard let text = try? scanner.scalarText(element), let dimension = Int64(text) else {
                throw OpenInferenceError(origin, "The body is not the protocol's: a shape holds a non-integer.")
            }
            shape.append(dimension)
        }
        return shape
    }

    /// A `parameters` object: booleans, integers, other numbers and strings as such; objects and arrays as their JSON
    /// text in a string parameter (the gRPC form has nothing else), `null` left out.
    static func parameters(
        _ scanner: JSONScanner, _ range: Range<Int>, origin: OpenInferenceError.Origin
    ) throws(OpenInferenceError) -> [String: Inference_InferParameter] {
        var parameters: [String: Inference_InferParameter] = [:]
        try members(of: scanner, at: range.lowerBound, origin: origin) { key, range throws(OpenInferenceError) in
            var parameter = Inference_InferParameter()
            switch scanner.bytes[range.lowerBound] {
            case UInt8(ascii: "\""): parameter.stringParam = try string(scanner, range, origin: origin)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                parameter.stringParam = String(
                    decoding: UnsafeRawBufferPointer(rebasing: scanner.bytes[range]), as: UTF8.self)
            default:
                guard let text = try? scanner.scalarText(range) else { return }
                if text == "true" || text == "false" {
                    parameter.boolParam = text == "true"
                } else if let value = Int64(text) {
                    parameter.int64Param = value
                } else if let value = UInt64(text) {
                    parameter.uint64Param = value
                } else if let value = Double(text) {
                    parameter.doubleParam = value
                } else {
                    throw OpenInferenceError(origin, "Parameter \(key) has the value \(text), which is not JSON.")
                }
            }
            parameters[key] = parameter
        }
        return parameters
    }
}
