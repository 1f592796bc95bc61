import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The `oip` mode: an Open Inference Protocol (KServe v2) model server with the demo model's scores.
enum DemoOpenInference {
    /// Adds `/v2/health/live`, `/v2/health/ready`, `/v2/models/{name}`, `/v2/models/{name}/ready` and
    /// `POST /v2/models/{name}/infer`.
    static func addRoutes(
        to router: Router<BasicRequestContext>,
        answer: @escaping @Sendable (Request, ByteBuffer) async throws -> Response
    ) {
        router.get("v2/health/live") { _, _ in DemoMultiModel.json(.ok, #"{"live":true}"#) }
        router.get("v2/health/ready") { _, _ in DemoMultiModel.json(.ok, #"{"ready":true}"#) }
        router.get("v2/models/:name") { _, context in
            let name = try context.parameters.require("name")
            return DemoMultiModel.json(
                .ok,
                "{\"name\":\"\(name)\",\"versions\":[\"1\"],\"platform\":\"demo\","
                    + "\"inputs\":[{\"name\":\"input-0\",\"datatype\":\"FP64\",\"shape\":[-1,-1]}],"
                    + "\"outputs\":[{\"name\":\"predict\",\"datatype\":\"FP64\",\"shape\":[-1]}]}")
        }
        router.get("v2/models/:name/ready") { _, context in
            let name = try context.parameters.require("name")
            return DemoMultiModel.json(.ok, "{\"name\":\"\(name)\",\"ready\":true}")
        }
        router.post("v2/models/:name/infer") { request, context in
            let name = try context.parameters.require("name")
            let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
            var response = try await answer(request, body)
            if response.status == .ok {
                response = infer(body: body, headerLength: request.headers[inferenceHeaderLength], model: name)
            }
            return response
        }
    }

    /// `Inference-Header-Content-Length`: the binary tensor extension's JSON header length.
    static let inferenceHeaderLength = HTTPField.Name("Inference-Header-Content-Length")!

    /// The answer of `POST /v2/models/{name}/infer`, for JSON or binary (`headerLength` given) tensors.
    static func infer(body: ByteBuffer, headerLength: String?, model: String) -> Response {
        let answer = infer(body: body, model: model, headerLength: headerLength.flatMap { Int($0) })
        var output = ByteBuffer(string: answer.body)
        guard answer.status == .ok, let binary = answer.binary else {
            return Response(
                status: answer.status, headers: [.contentType: "application/json"], body: .init(byteBuffer: output))
        }
        for score in binary { output.writeInteger(score.bitPattern, endianness: .little) }
        return Response(
            status: .ok,
            headers: [.contentType: "application/octet-stream", inferenceHeaderLength: "\(answer.body.utf8.count)"],
            body: .init(byteBuffer: output))
    }

    /// Scores the first input tensor row by row (`shape` `[rows, columns]`, row-major): JSON `data`, or with
    /// `Inference-Header-Content-Length` binary FP64 or FP32 data after the JSON header. The scores are binary FP64
    /// after the answer's JSON when the request asks for binary outputs (`binary_data` on an output, or
    /// `binary_data_output`).
    static func infer(body: ByteBuffer, model: String, headerLength: Int? = nil) -> (
        status: HTTPResponse.Status, body: String, binary: [Double]?
    ) {
        let header = headerLength.map { min($0, body.readableBytes) } ?? body.readableBytes
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView.prefix(header)))
                as? [String: Any],
            let inputs = object["inputs"] as? [[String: Any]], let input = inputs.first,
            let shape = input["shape"] as? [Int],
            let values = values(of: input, binary: body.readableBytesView.dropFirst(header))
        else {
            return (.badRequest, #"{"error":"expected {\"inputs\": [{\"shape\", \"data\"}]}"}"#, nil)
        }
        let columns = shape.count > 1 ? max(shape[1], 1) : max(values.count, 1)
        var scores: [Double] = []
        var index = 0
        while index < values.count {
            scores.append(DemoModel.score(Array(values[index..<min(index + columns, values.count)])))
            index += columns
        }
        let requested = (object["outputs"] as? [[String: Any]]) ?? []
        let parameters = object["parameters"] as? [String: Any]
        let binary =
            requested.contains { ($0["parameters"] as? [String: Any])?["binary_data"] as? Bool == true }
            || parameters?["binary_data_output"] as? Bool == true
        let output =
            binary
            ? "\"parameters\":{\"binary_data_size\":\(scores.count * 8)}"
            : "\"data\":[\(scores.map(DemoModel.format).joined(separator: ","))]"
        let json =
            "{\"model_name\":\"\(model)\",\"outputs\":[{\"name\":\"predict\",\"shape\":[\(scores.count)],"
            + "\"datatype\":\"FP64\",\(output)}]}"
        return (.ok, json, binary ? scores : nil)
    }

    /// The input's values: its JSON `data`, or its binary data (`binary_data_size` bytes of FP64 or FP32).
    private static func values(of input: [String: Any], binary: ByteBufferView) -> [Double]? {
        if let data = input["data"] as? [Any] { return flatten(data) }
        guard let size = (input["parameters"] as? [String: Any])?["binary_data_size"] as? Int, size <= binary.count
        else { return nil }
        let width = input["datatype"] as? String == "FP32" ? 4 : 8
        var buffer = ByteBuffer(binary.prefix(size))
        var values: [Double] = []
        while buffer.readableBytes >= width {
            if width == 4 {
                values.append(Double(Float(bitPattern: buffer.readInteger(endianness: .little, as: UInt32.self)!)))
            } else {
                values.append(Double(bitPattern: buffer.readInteger(endianness: .little, as: UInt64.self)!))
            }
        }
        return values
    }

    private static func flatten(_ data: [Any]) -> [Double] {
        data.flatMap { element -> [Double] in
            if let nested = element as? [Any] { return flatten(nested) }
            return [(element as? NSNumber)?.doubleValue ?? 0]
        }
    }
}
