import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import OpenInference
import TestSupport
import Testing

extension ProcessTests {
    /// The Open Inference gRPC front (`grpc_listen`) and `oip-grpc` variants, with grpc-swift as the client, against
    /// demo-backend serving the protocol over REST and gRPC.
    @Suite("Open Inference gRPC front and backends")
    struct OpenInferenceGRPC {
        typealias Client = Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>

        static func config(_ backends: Backends) -> String {
            let oip = backends["oip"]
            return TOML.endpoint("rest")
                + TOML.variant("VariantA", backends: [oip.url]) + "protocol = \"oip\"\nmodel = \"m\"\n"
                + TOML.endpoint("grpc")
                + TOML.variant("Grpc", backends: ["http://127.0.0.1:\(oip.grpcPort ?? 0)"])
                + "protocol = \"oip-grpc\"\nmodel = \"m\"\n"
        }

        /// Runs `body` with a client of the gateway's gRPC front.
        func withFront(_ body: (Client, GatewayProcess, Backends) async throws -> Void) async throws {
            let port = try FreePort.next()
            try await withGateway(
                backends: [BackendSpec(name: "oip", mode: "oip", grpc: true)],
                server: "grpc_listen = \"127.0.0.1:\(port)\"", config: Self.config
            ) { gateway, backends in
                try await withGRPCClient(
                    transport: .http2NIOPosix(
                        target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
                ) { client in
                    try await body(Client(wrapping: client), gateway, backends)
                }
            }
        }

        static func input(_ values: [Double], shape: [Int64]) -> Inference_ModelInferRequest {
            .with {
                $0.inputs = [
                    .with {
                        $0.name = "x"
                        $0.datatype = "FP64"
                        $0.shape = shape
                    }
                ]
                var raw = Data()
                for value in values {
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { raw.append(contentsOf: $0) }
                }
                $0.rawInputContents = [raw]
            }
        }

        static func doubles(_ data: Data) -> [Double] {
            stride(from: 0, to: data.count, by: 8).map { offset in
                Double(
                    bitPattern: UInt64(
                        littleEndian: data[offset..<(offset + 8)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
                )
            }
        }

        @Test func healthAndMetadataFromBothKindsOfModelServer() async throws {
            try await withFront { client, _, _ in
                #expect(try await client.serverLive(.init()).live)
                #expect(try await client.serverReady(.init()).ready)
                #expect(try await client.serverMetadata(.init()).name == "mlgateway")
                for model in ["rest", "grpc"] {
                    let metadata = try await client.modelMetadata(.with { $0.name = model })
                    #expect(metadata.name == model && metadata.platform == "demo", "\(model)")
                    #expect(metadata.inputs.map(\.datatype) == ["FP64"] && metadata.inputs.first?.shape == [-1, -1])
                    #expect(try await client.modelReady(.with { $0.name = model }).ready)
                }
            }
        }

        @Test func inferThroughRESTAndGRPCBackends() async throws {
            try await withFront { client, _, backends in
                for model in ["rest", "grpc"] {
                    var request = Self.input([0, 0, 1, 1], shape: [2, 2])
                    request.modelName = model
                    request.id = "id-1"
                    let response = try await client.modelInfer(request)
                    #expect(response.modelName == model && response.id == "id-1")
                    let scores = Self.doubles(try #require(response.rawOutputContents.first))
                    #expect(scores.count == 2 && scores[0] == 0.5 && abs(scores[1] - 0.7310585786) < 1e-6, "\(model)")
                }
                // Typed contents in, typed contents out.
                let typed = try await client.modelInfer(
                    .with {
                        $0.modelName = "grpc"
                        $0.inputs = [
                            .with {
                                $0.name = "x"
                                $0.datatype = "FP64"
                                $0.shape = [1, 2]
                                $0.contents.fp64Contents = [0, 0]
                            }
                        ]
                    })
                #expect(typed.rawOutputContents.isEmpty && typed.outputs.first?.contents.fp64Contents == [0.5])
                #expect(try await backends["oip"].invocations() == 3)
            }
        }

        @Test func errorsAsGRPCStatuses() async throws {
            try await withFront { client, _, _ in
                func status(_ request: Inference_ModelInferRequest) async -> (RPCError.Code, String)? {
                    do {
                        _ = try await client.modelInfer(request)
                        return nil
                    } catch let error as RPCError {
                        return (error.code, error.message)
                    } catch {
                        return nil
                    }
                }
                var unknown = Self.input([0, 0], shape: [1, 2])
                unknown.modelName = "nope"
                #expect(await status(unknown)?.0 == .notFound)
                var version = Self.input([0, 0], shape: [1, 2])
                version.modelName = "rest"
                version.modelVersion = "VariantZ"
                #expect(await status(version)?.0 == .notFound)
                var short = Self.input([0, 0], shape: [2, 2])
                short.modelName = "grpc"
                let shortStatus = await status(short)
                #expect(shortStatus?.0 == .invalidArgument)
                #expect(shortStatus?.1 == "Tensor x has 2 elements; its shape [2,2] needs 4.")
                // The model server refuses a request without inputs: over REST (400) and over gRPC (INVALID_ARGUMENT)
                // it reaches the client as INVALID_ARGUMENT, the model's error.
                for model in ["rest", "grpc"] {
                    let refused = await status(.with { $0.modelName = model })
                    #expect(refused?.0 == .invalidArgument, "\(model): \(String(describing: refused))")
                }
                do {
                    _ = try await client.modelMetadata(.with { $0.name = "nope" })
                    Issue.record("metadata of an unknown model")
                } catch let error as RPCError {
                    #expect(error.code == .notFound && error.message == "Model nope not found.")
                }
            }
        }

        @Test func restClientsReachTheGRPCBackend() async throws {
            try await withFront { _, gateway, _ in
                let infer = try await HTTP.request(
                    .POST, "\(gateway.url)/v2/models/grpc/infer",
                    body: Array(
                        #"{"id":"a","inputs":[{"name":"x","shape":[1,2],"datatype":"FP64","data":[1,1]}]}"#.utf8))
                #expect(infer.status == 200, "\(infer.text)")
                #expect(infer.variant == "Grpc")
                let output = (infer.json["outputs"] as? [[String: Any]])?.first
                #expect((output?["data"] as? [Double])?.first.map { abs($0 - 0.7310585786) < 1e-6 } == true)
                #expect(infer.json["id"] as? String == "a")
                let metadata = try await HTTP.request(.GET, "\(gateway.url)/v2/models/grpc")
                #expect(metadata.json["platform"] as? String == "demo")
                let stream = try await HTTP.request(
                    .POST, "\(gateway.url)/endpoints/grpc/invocations-response-stream",
                    body: Array(#"{"inputs":[]}"#.utf8))
                #expect(stream.status == 400, "ModelInfer does not stream: \(stream.text)")
            }
        }
    }
}
