import GRPCCore
import HTTPTypes
import Hummingbird
import InvocationCore
import Logging
import NIOCore
import OpenInference

/// The Open Inference Protocol's gRPC front, `inference.GRPCInferenceService` (`[server] grpc_listen`).
///
/// It is an adapter like the REST routes: `ModelInfer` becomes the REST form of the same request
/// (``InferenceJSON``), an ``InvocationRequest`` for `POST /v2/models/{model}[/versions/{version}]/infer` with the
/// call's `x-api-key` or `authorization` metadata as headers, runs the same pipeline (auth, enrichment, templates,
/// variants, shadows, capture, metrics), and its answer goes back to protobuf. A ``GatewayError`` becomes the
/// gRPC status closest to its HTTP status, its message the status message, and its code the `x-amzn-errortype`
/// trailer. Metadata and readiness are ``OpenInferenceModels``' answers, as on REST.
struct OpenInferenceGRPCService: Inference_GRPCInferenceService.ServiceProtocol {
    let pipeline: InvocationPipeline
    let readiness: Readiness
    let models: OpenInferenceModels
    let renderer: InvocationRenderer

    /// The call metadata passed on as the request headers of the same names (gRPC's keys are their lowercase,
    /// canonical names).
    static let forwardedMetadata: [HTTPField.Name] = [
        .apiKey, .authorization, .customAttributes, .inferenceID, .traceparent, .tracestate,
    ]

    func serverLive(
        request: ServerRequest<Inference_ServerLiveRequest>, context: ServerContext
    ) async throws -> ServerResponse<Inference_ServerLiveResponse> {
        ServerResponse(message: .with { $0.live = true })
    }

    func serverReady(
        request: ServerRequest<Inference_ServerReadyRequest>, context: ServerContext
    ) async throws -> ServerResponse<Inference_ServerReadyResponse> {
        ServerResponse(message: .with { $0.ready = readiness.notReadyReason == nil })
    }

    func serverMetadata(
        request: ServerRequest<Inference_ServerMetadataRequest>, context: ServerContext
    ) async throws -> ServerResponse<Inference_ServerMetadataResponse> {
        ServerResponse(
            message: .with {
                $0.name = "mlgateway"
                $0.version = GatewayVersion.current
            })
    }

    func modelReady(
        request: ServerRequest<Inference_ModelReadyRequest>, context: ServerContext
    ) async throws -> ServerResponse<Inference_ModelReadyResponse> {
        let message = request.message
        let head = Self.head(method: .get, model: message.name, version: message.version, suffix: "/ready", request)
        do throws(GatewayError) {
            let ready = try await models.isReady(model: message.name, version: head.version, head: head.head)
            return ServerResponse(message: .with { $0.ready = ready })
        } catch {
            throw Self.rpcError(error, requestID: nil)
        }
    }

    func modelMetadata(
        request: ServerRequest<Inference_ModelMetadataRequest>, context: ServerContext
    ) async throws -> ServerResponse<Inference_ModelMetadataResponse> {
        let message = request.message
        let head = Self.head(method: .get, model: message.name, version: message.version, suffix: "", request)
        let json: String
        do throws(GatewayError) {
            json = try await models.metadata(model: message.name, version: head.version, head: head.head)
        } catch {
            throw Self.rpcError(error, requestID: nil)
        }
        do throws(OpenInferenceError) {
            return ServerResponse(message: try InferenceJSON.modelMetadata(json: Array(json.utf8)))
        } catch {
            throw RPCError(code: .internalError, message: "The model's metadata did not convert: \(error.message)")
        }
    }

    func modelInfer(
        request: ServerRequest<Inference_ModelInferRequest>, context: ServerContext
    ) async throws -> ServerResponse<Inference_ModelInferResponse> {
        let message = request.message
        let requestID = RequestID().description
        var logger = pipeline.logger
        logger[metadataKey: "hb.request.id"] = .string(requestID)
        let (head, version) = Self.head(
            method: .post, model: message.modelName, version: message.modelVersion, suffix: "/infer", request)
        let body: [UInt8]
        do throws(OpenInferenceError) {
            body = try InferenceJSON.restBody(of: message)
        } catch {
            logger.debug("Request rejected", metadata: ["error.message": "\(error.message)"])
            throw RPCError(
                code: .invalidArgument, message: error.message,
                metadata: [HTTPField.Name.amznRequestID.canonicalName: .string(requestID)])
        }
        let invocation = InvocationRequest(
            head: head, endpointName: message.modelName, body: .complete(ByteBuffer(bytes: body)),
            remoteAddress: Self.socketAddress(peer: context.remotePeer), requestID: requestID, receivedAt: .now)
        let outcome = await OpenInferenceAPI.infer(invocation, version: version, pipeline: pipeline)
        switch outcome {
        case .success(let result):
            do throws(OpenInferenceError) {
                var response = try result.body.withUnsafeReadableBytes { bytes in
                    Result { () throws(OpenInferenceError) in
                        try InferenceJSON.inferResponse(
                            restBody: bytes, headerLength: result.inferenceHeaderContentLength.flatMap { Int($0) },
                            raw: !message.rawInputContents.isEmpty)
                    }
                }.get()
                response.modelName = message.modelName
                response.modelVersion = result.variant.name
                if response.id.isEmpty { response.id = message.id }
                renderer.logAccess(of: invocation, status: .ok, headers: [:], logger: logger)
                return ServerResponse(
                    message: response, metadata: [HTTPField.Name.amznRequestID.canonicalName: .string(requestID)])
            } catch {
                let failure = GatewayError(
                    code: .modelError, status: .init(code: 424),
                    message: "The model server's answer is not the protocol's: \(error.message)")
                InvocationRenderer.log(failure, endpoint: message.modelName, logger: logger)
                renderer.logAccess(of: invocation, status: failure.status, headers: [:], logger: logger)
                throw Self.rpcError(failure, requestID: requestID)
            }
        case .failure(let failure):
            InvocationRenderer.log(failure.error, endpoint: message.modelName, logger: logger)
            renderer.logAccess(of: invocation, status: failure.error.status, headers: [:], logger: logger)
            throw Self.rpcError(failure.error, requestID: requestID)
        }
    }

    /// The HTTP request head a call stands for, with the metadata the pipeline reads as headers; the version is nil
    /// when the call names none.
    private static func head<Message>(
        method: HTTPRequest.Method, model: String, version: String, suffix: String, _ request: ServerRequest<Message>
    ) -> (head: HTTPRequest, version: String?) {
        let version = version.isEmpty ? nil : version
        var path = "/v2/models/" + InvocationPipeline.pathSegment(model)
        if let version { path += "/versions/" + InvocationPipeline.pathSegment(version) }
        var fields = HTTPFields()
        if method == .post { fields[.contentType] = "application/json" }
        if let version { fields[.targetVariant] = version }
        for field in forwardedMetadata {
            for case .string(let value) in request.metadata[field.canonicalName] {
                fields.append(HTTPField(name: field, value: value))
            }
        }
        return (
            HTTPRequest(method: method, scheme: nil, authority: nil, path: path + suffix, headerFields: fields), version
        )
    }

    /// The client's address from grpc-swift's peer description (`ipv4:127.0.0.1:50000`, `ipv6:[::1]:50000`).
    static func socketAddress(peer: String) -> SocketAddress? {
        let parts = peer.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == "ipv4" || parts[0] == "ipv6",
            let colon = parts[1].lastIndex(of: ":"), let port = Int(parts[1][parts[1].index(after: colon)...])
        else { return nil }
        let host = parts[1][..<colon].trimmingCharacters(in: ["[", "]"])
        return try? SocketAddress(ipAddress: host, port: port)
    }

    /// The AWS error types of missing or unknown credentials: `UNAUTHENTICATED` in gRPC, where AWS answers 403
    /// (as it does for a known key without permission, `PERMISSION_DENIED`).
    static let unauthenticatedCodes: Set<String> = Set(
        [GatewayError.Code.missingAuthenticationToken, .unrecognizedClient, .invalidSignature, .incompleteSignature]
            .map(\.rawValue))

    /// The gRPC status of a gateway error: the code of its HTTP status (``GRPCStatus``); `UNAUTHENTICATED` for
    /// missing or unknown credentials; for a `ModelError`, the code of the model server's own status (a model that
    /// refused the input is `INVALID_ARGUMENT`), `INTERNAL` when it gave none (the connection broke). Its message,
    /// its AWS error type and the request id go with it, the last two as metadata.
    static func rpcError(_ error: GatewayError, requestID: String?) -> RPCError {
        let code: RPCError.Code
        if unauthenticatedCodes.contains(error.code) {
            code = .unauthenticated
        } else if error.code == GatewayError.Code.modelError.rawValue {
            let original = error.integerFields.first { $0.0 == "OriginalStatusCode" }?.1 ?? 0
            code = (400..<600).contains(original) ? GRPCStatus.code(forHTTPStatus: original) : .internalError
        } else {
            code = GRPCStatus.code(forHTTPStatus: Int(error.status.code))
        }
        var metadata: Metadata = [HTTPField.Name.amznErrorType.canonicalName: .string(error.code)]
        if let requestID { metadata.addString(requestID, forKey: HTTPField.Name.amznRequestID.canonicalName) }
        return RPCError(code: code, message: error.message, metadata: metadata)
    }
}
