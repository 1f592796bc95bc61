import GatewayAuth
import HTTPTypes
import NIOCore
import NIOHTTP1

/// A client's invocation as it moves down the pipeline.
///
/// Stages read and rewrite it in order; what the backend receives is what the last stage left here.
package struct Invocation: Sendable {
    /// The endpoint, from the snapshot taken at the request's start.
    package let endpoint: EndpointRuntime
    /// The request id (`x-amzn-RequestId`).
    package let requestID: String
    /// The payload for the model.
    package var body: ByteBuffer
    /// `Content-Type` of ``body``.
    package var contentType: String?
    /// `Accept` as the client sent it.
    package var accept: String?
    /// `X-Amzn-SageMaker-Custom-Attributes`.
    package var customAttributes: String?
    /// `X-Amzn-SageMaker-Target-Variant`.
    package var targetVariant: String?
    /// `X-Amzn-SageMaker-Target-Model`.
    package var targetModel: String?
    /// `X-Amzn-SageMaker-Inference-Id`.
    package var inferenceID: String?
    /// `Inference-Header-Content-Length` of an Open Inference body with binary tensor data; cleared when a request
    /// template rewrites the body.
    package var inferenceHeaderContentLength: String?
    /// Features read for this request, by view and feature name (`$features` in templates).
    package var features: [String: [String: String]] = [:]
    /// Who the request is authenticated as (`$context.identity.apiKeyId` is its key ID); nil without `auth`.
    package var principal: Principal?
    /// The body as the route stage had it, kept when the request may fail over to another variant.
    package var routed: Routed?
    /// The variants none of whose backends could take this request, skipped when it is routed again.
    package var failedVariants: [String] = []
    /// The client's W3C `traceparent` and `tracestate`, passed to the model server as they came when the invocation
    /// is not traced (a traced one sends its own, ``InvocationTrace/inject(_:into:)``).
    package var traceContext: (parent: String, state: String?)?
    /// The invocation's trace, when it is sampled.
    package var trace: InvocationTrace?

    /// The payload before a request template rewrote it for a variant.
    package struct Routed: Sendable {
        package var body: ByteBuffer
        package var contentType: String?
    }

    /// The headers forwarded to the model server.
    package var backendHeaders: HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        if let contentType { headers.add(name: HTTPField.Name.contentType.rawName, value: contentType) }
        if let accept { headers.add(name: HTTPField.Name.accept.rawName, value: accept) }
        if let customAttributes { headers.add(name: HTTPField.Name.customAttributes.rawName, value: customAttributes) }
        if let targetModel { headers.add(name: HTTPField.Name.targetModel.rawName, value: targetModel) }
        if let inferenceID { headers.add(name: HTTPField.Name.inferenceID.rawName, value: inferenceID) }
        if let inferenceHeaderContentLength {
            headers.add(
                name: HTTPField.Name.inferenceHeaderContentLength.rawName, value: inferenceHeaderContentLength)
        }
        if let traceContext {
            headers.add(name: HTTPField.Name.traceparent.rawName, value: traceContext.parent)
            if let state = traceContext.state { headers.add(name: HTTPField.Name.tracestate.rawName, value: state) }
        }
        return headers
    }
}

/// What the model answered for an invocation.
package struct InvocationResult: Sendable {
    /// The production variant that served.
    package let variant: VariantRuntime
    /// The model's status (2xx).
    package let status: Int
    /// The model's answer.
    package var body: ByteBuffer
    /// The model's `Content-Type`.
    package var contentType: String?
    /// The model's `X-Amzn-SageMaker-Custom-Attributes`.
    package var customAttributes: String?
    /// The model's `Inference-Header-Content-Length` (binary tensor data in its answer); cleared when a response
    /// template rewrites the body.
    package var inferenceHeaderContentLength: String? = nil
    /// Time spent in the model container.
    package let modelLatency: Duration
}
