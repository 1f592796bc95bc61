import GRPCCore
import NIOCore
import OpenInference

/// The `oip` mode's gRPC server (`--grpc-port`): `inference.GRPCInferenceService` with the same demo model, metadata
/// and failure injection as the REST routes. Requests are scored through the REST form (``InferenceJSON``), so both
/// fronts of the demo answer alike.
struct DemoOpenInferenceGRPC: Inference_GRPCInferenceService.SimpleServiceProtocol {
    let state: DemoState
    let delay: Duration
    let failRate: Double

    func serverLive(request: Inference_ServerLiveRequest, context: ServerContext) async throws
        -> Inference_ServerLiveResponse
    { .with { $0.live = true } }

    func serverReady(request: Inference_ServerReadyRequest, context: ServerContext) async throws
        -> Inference_ServerReadyResponse
    { .with { $0.ready = state.pingStatus == .ok } }

    func modelReady(request: Inference_ModelReadyRequest, context: ServerContext) async throws
        -> Inference_ModelReadyResponse
    { .with { $0.ready = true } }

    func serverMetadata(request: Inference_ServerMetadataRequest, context: ServerContext) async throws
        -> Inference_ServerMetadataResponse
    {
        .with {
            $0.name = "demo-backend"
            $0.version = "1"
        }
    }

    func modelMetadata(request: Inference_ModelMetadataRequest, context: ServerContext) async throws
        -> Inference_ModelMetadataResponse
    {
        .with {
            $0.name = request.name
            $0.versions = ["1"]
            $0.platform = "demo"
            $0.inputs = [
                .with {
                    $0.name = "input-0"
                    $0.datatype = "FP64"
                    $0.shape = [-1, -1]
                }
            ]
            $0.outputs = [
                .with {
                    $0.name = "predict"
                    $0.datatype = "FP64"
                    $0.shape = [-1]
                }
            ]
        }
    }

    func modelInfer(request: Inference_ModelInferRequest, context: ServerContext) async throws
        -> Inference_ModelInferResponse
    {
        state.countInvocation()
        if delay > .zero { try await Task.sleep(for: delay) }
        if failRate > 0, Double.random(in: 0..<1) < failRate {
            throw RPCError(code: .internalError, message: "injected failure")
        }
        let body: [UInt8]
        do {
            body = try InferenceJSON.restBody(of: request)
        } catch {
            throw RPCError(code: .invalidArgument, message: "\(error)")
        }
        let answer = DemoOpenInference.infer(body: ByteBuffer(bytes: body), model: request.modelName)
        guard answer.status == .ok else { throw RPCError(code: .invalidArgument, message: answer.body) }
        var response: Inference_ModelInferResponse
        do {
            response = try Array(answer.body.utf8).withUnsafeBytes { bytes in
                try InferenceJSON.inferResponse(
                    restBody: bytes, headerLength: nil, raw: !request.rawInputContents.isEmpty)
            }
        } catch {
            throw RPCError(code: .internalError, message: "\(error)")
        }
        response.id = request.id
        return response
    }
}
