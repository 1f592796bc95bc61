import GRPCCore
import Logging
import ModelClient
import NIOCore
import NIOHTTP1
import OpenInference

extension InvocationPipeline {
    /// Calls an `oip-grpc` variant: the invocation's body, in the protocol's REST form whatever the front (a gRPC
    /// front converted it on the way in), becomes a `ModelInferRequest` for the variant's model with the tensors as
    /// raw contents; the answer becomes the REST form again, so the response stages (capture, response template,
    /// the front's rendering) read one form. The same backend choice, connection-failure retries, circuit breaking
    /// and deadline (the endpoint's `timeout`) as an HTTP variant; a status other than OK is the model's error, with
    /// the HTTP status of its gRPC code as `OriginalStatusCode`.
    package func callOpenInferenceGRPC(
        _ variant: VariantRuntime, with invocation: Invocation, logger: Logger, timeout: Duration?
    ) async throws(VariantFailure) -> InvocationResult {
        let endpoint = invocation.endpoint
        let settings = endpoint.configuration.backend
        let model = variant.configuration.protocolOptions.model ?? endpoint.name
        let message: Inference_ModelInferRequest
        let binaryOutputs: InferenceJSON.BinaryOutputs
        do throws(OpenInferenceError) {
            let headerLength = invocation.inferenceHeaderContentLength.flatMap { Int($0) }
            (message, binaryOutputs) = try invocation.body.withUnsafeReadableBytes { bytes in
                Result { () throws(OpenInferenceError) in
                    try InferenceJSON.inferRequest(
                        restBody: bytes, headerLength: headerLength, model: model, version: "")
                }
            }.get()
        } catch {
            throw VariantFailure(
                variant: variant,
                error: .validation(
                    "Variant \(variant.name) of endpoint \(endpoint.name) is an oip-grpc model server, which takes "
                        + "the Open Inference Protocol's infer request: \(error.message)"))
        }
        let deadline = timeout ?? settings.timeout
        let (answer, latency) = try await withBackend(of: variant, endpoint: endpoint) {
            backend throws(BackendCallError) in
            var traceHeaders = HTTPHeaders()
            let span = invocation.trace?.backendAttempt(to: backend, variant: variant, headers: &traceHeaders)
            var metadata = Metadata()
            for (name, value) in traceHeaders { metadata.addString(value, forKey: name) }
            let start = ContinuousClock.now
            do throws(BackendCallError) {
                let answer = try await client.openInferenceGRPC.call(backend, timeout: deadline) {
                    [metadata] client, options in
                    try await client.modelInfer(message, metadata: metadata, options: options)
                }
                let status: Int
                switch answer {
                case .response: status = 200
                case .status(let error): status = GRPCStatus.httpStatus(of: error.code)
                }
                let response = BackendResponse(status: status, headers: [:], body: ByteBuffer())
                Self.attemptEnded(
                    on: backend, with: .success(response), variant: variant, endpoint: endpoint, span: span,
                    logger: logger)
                return (answer, ContinuousClock.now - start)
            } catch {
                Self.attemptEnded(
                    on: backend, with: .failure(error), variant: variant, endpoint: endpoint, span: span, logger: logger
                )
                throw error
            }
        }
        switch answer {
        case .status(let error):
            throw VariantFailure(
                variant: variant,
                error: .modelError(
                    endpoint: endpoint.name, variant: variant.name, status: GRPCStatus.httpStatus(of: error.code),
                    body: error.message))
        case .response(let response):
            let answer: (body: [UInt8], headerLength: Int?)
            do throws(OpenInferenceError) {
                answer = try InferenceJSON.restBody(of: response, binary: binaryOutputs)
            } catch {
                throw VariantFailure(
                    variant: variant,
                    error: .modelError(
                        endpoint: endpoint.name, variant: variant.name, status: 200,
                        body: "The answer does not convert to the protocol's REST form: \(error.message)"))
            }
            return InvocationResult(
                variant: variant, status: 200, body: ByteBuffer(bytes: answer.body),
                contentType: answer.headerLength == nil ? "application/json" : "application/octet-stream",
                customAttributes: nil, inferenceHeaderContentLength: answer.headerLength.map { String($0) },
                modelLatency: latency)
        }
    }
}
