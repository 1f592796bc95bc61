import Foundation
import Hummingbird

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
            return DemoMultiModel.json(.ok, "{\"name\":\"\(name)\",\"versions\":[],\"platform\":\"demo\"}")
        }
        router.get("v2/models/:name/ready") { _, context in
            let name = try context.parameters.require("name")
            return DemoMultiModel.json(.ok, "{\"name\":\"\(name)\",\"ready\":true}")
        }
        router.post("v2/models/:name/infer") { request, context in
            let name = try context.parameters.require("name")
            let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
            let result = infer(body: body, model: name)
            var response = try await answer(request, body)
            if response.status == .ok {
                response = Response(
                    status: result.status, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: .init(string: result.body)))
            }
            return response
        }
    }

    /// Scores the first input tensor row by row (`shape` `[rows, columns]`, row-major `data`).
    static func infer(body: ByteBuffer, model: String) -> DemoModel.Answer {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let inputs = object["inputs"] as? [[String: Any]], let input = inputs.first,
            let shape = input["shape"] as? [Int], let data = input["data"] as? [Any]
        else {
            return .init(
                status: .badRequest, contentType: "application/json",
                body: #"{"error":"expected {\"inputs\": [{\"shape\", \"data\"}]}"}"#)
        }
        let values = flatten(data)
        let columns = shape.count > 1 ? max(shape[1], 1) : max(values.count, 1)
        var scores: [String] = []
        var index = 0
        while index < values.count {
            scores.append(DemoModel.format(DemoModel.score(Array(values[index..<min(index + columns, values.count)]))))
            index += columns
        }
        let body =
            "{\"model_name\":\"\(model)\",\"outputs\":[{\"name\":\"predict\",\"shape\":[\(scores.count)],"
            + "\"datatype\":\"FP64\",\"data\":[\(scores.joined(separator: ","))]}]}"
        return .init(status: .ok, contentType: "application/json", body: body)
    }

    private static func flatten(_ data: [Any]) -> [Double] {
        data.flatMap { element -> [Double] in
            if let nested = element as? [Any] { return flatten(nested) }
            return [(element as? NSNumber)?.doubleValue ?? 0]
        }
    }
}
