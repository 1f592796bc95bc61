import HTTPTypes
import HummingbirdCore
import NIOCore

/// An invocation as every entry point hands it to ``InvocationPipeline``: what was received, in no type of the
/// transport that received it. The SageMaker route (fast path and router), Open Inference and async invocations
/// each build one, so that they all run the same stages (`docs/architecture.md`).
struct InvocationRequest: Sendable {
    /// The request head: method, path with its query, headers.
    var head: HTTPRequest
    /// The endpoint the request names.
    var endpointName: String
    /// The body as the entry point read it.
    var body: InvocationRequestBody
    /// The client's address (`$context.identity.sourceIp`); nil when there is no client connection.
    var remoteAddress: SocketAddress?
    /// The request id, returned as `x-amzn-RequestId` and logged as `hb.request.id`.
    var requestID: String
    /// When the request had been read whole; latency metrics and the access log count from here.
    var receivedAt: ContinuousClock.Instant

    /// The query parameters, percent-decoded, in order.
    var queryParameters: [(name: String, value: String)] {
        guard head.path?.utf8.contains(UInt8(ascii: "?")) == true else { return [] }
        return URI(head.path ?? "/").queryParameters.map { (name: String($0.key), value: String($0.value)) }
    }

    /// The percent-decoded path without the query.
    var path: String { URI(head.path ?? "/").path }
}

extension HTTPRequest {
    /// The path and query exactly as on the wire (still percent-encoded), as SigV4 signs them.
    var rawTarget: (path: String, query: String) {
        let target = path ?? "/"
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, "") }
        return (String(target[..<question]), String(target[target.utf8.index(after: question)...]))
    }
}

/// The body of an invocation as its entry point read it.
enum InvocationRequestBody: Sendable {
    /// The body as read: at most one byte over the limit, so that an oversized body is still told apart.
    case complete(ByteBuffer)
    /// Reading it failed with this error (`NIOTooManyBytesError` when it went over the limit).
    case failed(any Error)
}

/// What an invocation came to: the model's answer, or the error the client gets.
typealias InvocationOutcome = Result<InvocationResult, InvocationFailure>

/// The error an invocation ends with, and the production variant it is attributed to, once one was chosen.
struct InvocationFailure: Error {
    var error: GatewayError
    var variant: String?
}
