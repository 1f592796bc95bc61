import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

extension ProcessTests {
    /// The Open Inference front against demo-backend's OIP mode: server metadata, the model server's own metadata
    /// under the endpoint's name, versions as production variants, errors in the protocol's form under `/v2`, and
    /// binary tensor data through both ways.
    @Suite("Open Inference front")
    struct OpenInferenceFront {
        static func config(_ backends: Backends) -> String {
            TOML.endpoint("iris")
                + TOML.variant("VariantA", backends: [backends["oip"].url]) + "protocol = \"oip\"\nmodel = \"m\"\n"
                + TOML.variant("VariantB", weight: 0, backends: [backends["oip"].url]) + "protocol = \"oip\"\n"
        }

        @Test func metadataVersionsAndErrorsInTheProtocolsForm() async throws {
            try await withGateway(backends: [BackendSpec(name: "oip", mode: "oip")], config: Self.config) {
                gateway, _ in
                let server = try await HTTP.request(.GET, "\(gateway.url)/v2")
                #expect(server.status == 200)
                #expect(server.json["name"] as? String == "mlgateway")
                #expect(server.json["extensions"] as? [String] == ["binary_tensor_data"])

                let metadata = try await HTTP.request(.GET, "\(gateway.url)/v2/models/iris")
                #expect(metadata.status == 200)
                #expect(metadata.json["name"] as? String == "iris")
                #expect(metadata.json["versions"] as? [String] == ["VariantA", "VariantB"])
                #expect(metadata.json["platform"] as? String == "demo", "the model server's own metadata")
                #expect((metadata.json["inputs"] as? [[String: Any]])?.first?["datatype"] as? String == "FP64")

                let version = try await HTTP.request(.GET, "\(gateway.url)/v2/models/iris/versions/VariantB/ready")
                #expect(version.status == 200)
                let infer = try await HTTP.request(
                    .POST, "\(gateway.url)/v2/models/iris/versions/VariantB/infer",
                    body: Array(#"{"inputs":[{"name":"x","shape":[1,2],"datatype":"FP64","data":[0,0]}]}"#.utf8))
                #expect(infer.status == 200)
                #expect(infer.variant == "VariantB", "a version is a production variant, whatever its weight")

                for (method, path, status) in [
                    (HTTPMethod.GET, "/v2/nowhere", 404), (.GET, "/v2/models/nope", 404),
                    (.GET, "/v2/models/iris/versions/VariantC", 404),
                    (.POST, "/v2/models/iris/versions/VariantC/infer", 404),
                    (.POST, "/v2/models/nope/infer", 404),
                ] {
                    let answer = try await HTTP.request(
                        method, gateway.url + path, body: method == .POST ? Array("{}".utf8) : nil)
                    #expect(answer.status == status, "\(path)")
                    #expect(Array(answer.json.keys) == ["error"], "\(path): \(answer.text)")
                }
                let outside = try await HTTP.request(.GET, "\(gateway.url)/nowhere")
                #expect(outside.json["message"] != nil, "outside /v2 the AWS form stays")
            }
        }

        @Test func binaryTensorDataPassesThroughBothWays() async throws {
            try await withGateway(backends: [BackendSpec(name: "oip", mode: "oip")], config: Self.config) {
                gateway, _ in
                let header = Array(
                    (#"{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP64","parameters":{"binary_data_size":32}}],"#
                        + #""outputs":[{"name":"predict","parameters":{"binary_data":true}}]}"#).utf8)
                var body = header
                for value in [0.0, 0.0, 1.0, 1.0] {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { body.append(contentsOf: $0) }
                }
                let answer = try await HTTP.request(
                    .POST, "\(gateway.url)/v2/models/iris/infer",
                    headers: [
                        ("Content-Type", "application/octet-stream"),
                        ("Inference-Header-Content-Length", "\(header.count)"),
                    ], body: body)
                #expect(answer.status == 200, "\(answer.text)")
                let length = try #require(
                    answer.headers.first(name: "Inference-Header-Content-Length").flatMap(Int.init))
                let json = try JSONSerialization.jsonObject(with: Data(answer.body.prefix(length))) as? [String: Any]
                #expect(
                    ((json?["outputs"] as? [[String: Any]])?.first?["parameters"] as? [String: Any])?[
                        "binary_data_size"] as? Int == 16)
                var scores = ByteBuffer(bytes: answer.body.dropFirst(length))
                let first = scores.readInteger(endianness: .little, as: UInt64.self).map(Double.init(bitPattern:))
                let second = scores.readInteger(endianness: .little, as: UInt64.self).map(Double.init(bitPattern:))
                #expect(first == 0.5)
                #expect(abs((second ?? 0) - 0.7310585786) < 1e-9)
            }
        }
    }
}
