import Foundation
import HTTPTypes
import NIOCore

/// An invocation as every entry point hands it to ``InvocationPipeline``: what was received, in no type of the
/// transport that received it. The SageMaker route (fast path and router), Open Inference and async invocations
/// each build one, so that they all run the same stages (`docs/architecture.md`).
package struct InvocationRequest: Sendable {
    /// The request head: method, path with its query, headers.
    package var head: HTTPRequest
    /// The endpoint the request names.
    package var endpointName: String
    /// The body as the entry point read it.
    package var body: InvocationRequestBody
    /// The client's address (`$context.identity.sourceIp`); nil when there is no client connection.
    package var remoteAddress: SocketAddress?
    /// The request id, returned as `x-amzn-RequestId` and logged as `hb.request.id`.
    package var requestID: String
    /// When the request had been read whole; latency metrics and the access log count from here.
    package var receivedAt: ContinuousClock.Instant

    /// The query parameters in order, read as Hummingbird's router reads them: a name as sent, its value
    /// percent-decoded (as sent when it is not valid percent-encoding), an empty value for a name without `=`.
    package var queryParameters: [(name: String, value: String)] {
        let query = head.rawTarget.query
        guard !query.isEmpty else { return [] }
        var parts = query.split(separator: "&", omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        return parts.map { part in
            guard let equals = part.firstIndex(of: "=") else { return (name: String(part), value: "") }
            let value = part[part.index(after: equals)...]
            return (name: String(part[..<equals]), value: value.removingPercentEncoding ?? String(value))
        }
    }

    /// The path without the query, as sent.
    package var path: String { head.rawTarget.path }

    package init(
        head: HTTPRequest, endpointName: String, body: InvocationRequestBody, remoteAddress: SocketAddress? = nil,
        requestID: String, receivedAt: ContinuousClock.Instant
    ) {
        self.head = head
        self.endpointName = endpointName
        self.body = body
        self.remoteAddress = remoteAddress
        self.requestID = requestID
        self.receivedAt = receivedAt
    }
}

extension HTTPRequest {
    /// The path and query exactly as on the wire (still percent-encoded), as SigV4 signs them.
    package var rawTarget: (path: String, query: String) {
        let target = path ?? "/"
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, "") }
        return (String(target[..<question]), String(target[target.utf8.index(after: question)...]))
    }
}

/// The body of an invocation as its entry point read it.
package enum InvocationRequestBody: Sendable {
    /// The body as read: at most one byte over the limit, so that an oversized body is still told apart.
    case complete(ByteBuffer)
    /// Reading it failed with this error (`NIOTooManyBytesError` when it went over the limit).
    case failed(any Error)
}

/// What an invocation came to: the model's answer, or the error the client gets.
package typealias InvocationOutcome = Result<InvocationResult, InvocationFailure>

/// The error an invocation ends with, and the production variant it is attributed to, once one was chosen.
package struct InvocationFailure: Error {
    package var error: GatewayError
    package var variant: String?

    package init(error: GatewayError, variant: String? = nil) {
        self.error = error
        self.variant = variant
    }
}
