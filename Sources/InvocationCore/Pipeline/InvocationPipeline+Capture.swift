import DataCapture
import NIOCore

extension InvocationPipeline {
    /// The `observedContentType` of a payload sent or answered without `Content-Type`.
    package static let unlabelledContentType = "application/octet-stream"

    /// Hands what the model saw to live drift (``LiveDrift``) when the endpoint has `[endpoint.drift]`, and what the
    /// model saw and what it answered to the capture writer, when the endpoint captures and this invocation is
    /// sampled.
    ///
    /// The input is the invocation as sent to the backend (after enrichment and the request template), the output the
    /// model's answer before any response template. It never waits: the record is queued or, when the queue is full,
    /// dropped and counted (`mlgateway_capture_dropped_total`).
    /// - Parameter production: for a shadow variant's answer, the production variant it shadowed.
    package func capture(_ invocation: Invocation, answer: InvocationResult, shadowOf production: String? = nil) {
        if invocation.endpoint.configuration.drift != nil {
            runtime.liveDrift.record(
                endpoint: invocation.endpoint.name, variant: answer.variant.name, payload: invocation.body,
                contentType: invocation.contentType)
        }
        guard let captureWriter, let configuration = invocation.endpoint.configuration.capture,
            configuration.shouldSample()
        else { return }
        let record = CaptureRecord(
            endpoint: invocation.endpoint.name, variant: answer.variant.name, shadowOf: production,
            input: configuration.captureInput
                ? Self.payload(invocation.body, contentType: invocation.contentType) : nil,
            output: configuration.captureOutput ? Self.payload(answer.body, contentType: answer.contentType) : nil,
            inferenceID: invocation.inferenceID)
        captureWriter.submit(record, configuration: configuration)
    }

    private static func payload(_ body: ByteBuffer, contentType: String?) -> CapturedPayload {
        CapturedPayload(contentType: contentType ?? unlabelledContentType, data: Array(body.readableBytesView))
    }
}
