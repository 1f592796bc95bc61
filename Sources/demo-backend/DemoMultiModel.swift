import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The container side of SageMaker multi-model endpoints: `POST /models` loads (after `--load-delay-ms`),
/// `GET /models`, `GET /models/{name}`, `DELETE /models/{name}`, `POST /models/{name}/invoke` (404 until loaded).
final class DemoMultiModel: Sendable {
    private struct Model {
        var url: String
        var loads: Int
    }

    private let models = Mutex<[String: Model]>([:])
    private let totalLoads = Mutex<[String: Int]>([:])
    let loadDelay: Duration

    init(loadDelay: Duration) {
        self.loadDelay = loadDelay
    }

    /// Adds the multi-model routes; invocations are answered by `answer`.
    func addRoutes(
        to router: Router<BasicRequestContext>,
        answer: @escaping @Sendable (Request, ByteBuffer, String) async throws -> Response
    ) {
        router.post("models") { request, _ in
            let body = try await request.body.collect(upTo: 1024 * 1024)
            guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                let name = object["model_name"] as? String, let url = object["url"] as? String
            else {
                return Self.json(.badRequest, #"{"error":"expected {\"model_name\": …, \"url\": …}"}"#)
            }
            if self.models.withLock({ $0[name] != nil }) {
                return Self.json(.conflict, "{\"error\":\"model \(name) is already loaded\"}")
            }
            if self.loadDelay > .zero { try await Task.sleep(for: self.loadDelay) }
            let loads = self.totalLoads.withLock { counts in
                counts[name, default: 0] += 1
                return counts[name, default: 0]
            }
            self.models.withLock { $0[name] = Model(url: url, loads: loads) }
            return Self.json(.ok, "{\"status\":\"Model \(name) loaded\"}")
        }
        router.get("models") { _, _ in
            let listed = self.models.withLock { models in
                models.keys.sorted().map {
                    "{\"modelName\":\"\($0)\",\"modelUrl\":\"\(models[$0]!.url)\",\"loads\":\(models[$0]!.loads)}"
                }
            }
            return Self.json(.ok, "{\"models\":[\(listed.joined(separator: ","))]}")
        }
        router.get("models/:name") { _, context in
            let name = try context.parameters.require("name")
            guard let model = self.models.withLock({ $0[name] }) else {
                return Self.json(.notFound, "{\"error\":\"model \(name) is not loaded\"}")
            }
            return Self.json(.ok, "{\"modelName\":\"\(name)\",\"modelUrl\":\"\(model.url)\",\"loads\":\(model.loads)}")
        }
        router.delete("models/:name") { _, context in
            let name = try context.parameters.require("name")
            guard self.models.withLock({ $0.removeValue(forKey: name) }) != nil else {
                return Self.json(.notFound, "{\"error\":\"model \(name) is not loaded\"}")
            }
            return Self.json(.ok, "{\"status\":\"Model \(name) unloaded\"}")
        }
        router.post("models/:name/invoke") { request, context in
            let name = try context.parameters.require("name")
            guard self.models.withLock({ $0[name] != nil }) else {
                return Self.json(.notFound, "{\"error\":\"model \(name) is not loaded\"}")
            }
            let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
            var response = try await answer(request, body, name)
            response.headers[HTTPField.Name("X-Demo-Model")!] = name
            return response
        }
    }

    static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: body)))
    }
}
