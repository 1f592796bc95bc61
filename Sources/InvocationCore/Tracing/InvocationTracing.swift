import DataCapture
import HTTPTypes
import ModelClient
import NIOHTTP1
import ServiceContextModule
import Synchronization
import Tracing

/// The gateway's tracing (`[tracing]`): decides which invocations are traced and starts their traces.
///
/// The decision is taken before any span exists, so that an invocation not traced costs one random number (or
/// reading the client's sampled flag) and nothing else: a `traceparent` from the client decides by its sampled flag
/// (a trace is whole or absent), otherwise `sample_ratio` does. An invocation not traced still passes the client's
/// `traceparent` and `tracestate` to the model server unchanged.
package struct InvocationTracing: Sendable {
    let tracer: any Tracer
    /// The `sample_ratio` decision: data capture's lock-free sampler (no system call per request, as
    /// `Double.random` would make).
    let sampler: CaptureSampler

    package init(tracer: any Tracer, sampleRatio: Double) {
        self.tracer = tracer
        self.sampler = CaptureSampler(percentage: sampleRatio * 100)
    }

    /// The trace of `request`, or nil when it is not sampled.
    func begin(_ request: InvocationRequest) -> InvocationTrace? {
        let headers = request.head.headerFields
        if let parent = headers[.traceparent], let sampled = Self.sampledFlag(of: parent) {
            guard sampled else { return nil }
        } else {
            guard sampler.shouldSample() else { return nil }
        }
        var context = ServiceContext.topLevel
        tracer.extract(headers, into: &context, using: HTTPFieldsExtractor())
        let route = Self.route(of: request.path)
        let method = request.head.method.rawValue
        let root = tracer.startSpan("\(method) \(route)", context: context, ofKind: .server)
        root.attributes["http.request.method"] = method
        root.attributes["http.route"] = route
        root.attributes["url.path"] = request.path
        root.attributes["mlgateway.endpoint"] = request.endpointName
        root.attributes["mlgateway.request_id"] = request.requestID
        if let address = request.remoteAddress?.ipAddress { root.attributes["client.address"] = address }
        return InvocationTrace(tracer: tracer, root: root)
    }

    /// The route template of an invocation's path (`http.route`, and the server span's name after the method).
    static func route(of path: String) -> String {
        if path.hasPrefix("/v2/") {
            return path.contains("/versions/")
                ? "/v2/models/{model}/versions/{version}/infer" : "/v2/models/{model}/infer"
        }
        guard let last = path.split(separator: "/").last else { return path }
        return "/endpoints/{EndpointName}/\(last)"
    }

    /// The sampled flag of a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`); nil when it is not one.
    static func sampledFlag(of traceparent: String) -> Bool? {
        let parts = traceparent.split(separator: "-")
        guard parts.count >= 4, parts[0].utf8.count == 2, parts[1].utf8.count == 32, parts[2].utf8.count == 16,
            parts[3].utf8.count == 2, let flags = UInt8(parts[3], radix: 16),
            parts[1].allSatisfy(\.isHexDigit), parts[2].allSatisfy(\.isHexDigit),
            parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
        else { return nil }
        return flags & 1 == 1
    }
}

/// One traced invocation: its server span, and the span of the stage it is in. The stages run one after another,
/// on an event loop or in a task, so the lock is never contended; it makes the trace `Sendable`.
package final class InvocationTrace: Sendable {
    private let tracer: any Tracer
    private let root: any Span
    private let stage = Mutex<(name: String, span: any Span)?>(nil)

    init(tracer: any Tracer, root: any Span) {
        self.tracer = tracer
        self.root = root
    }

    /// The trace's id, as hex.
    var traceID: String? {
        var carrier: [String: String] = [:]
        tracer.inject(root.context, into: &carrier, using: DictionaryInjector())
        return AccessLogLine.traceID(ofTraceparent: carrier["traceparent"])
    }

    /// Marks the start of stage `name`: the previous stage's span ends and one for this stage starts, unless the
    /// invocation is still in that stage (a stage that had to wait goes on in a task).
    func enter(_ name: String) {
        stage.withLock { current in
            if current?.name == name { return }
            current?.span.end()
            current = (name, tracer.startSpan(name, context: root.context, ofKind: .internal))
        }
    }

    /// A span for work inside the current stage (a backend attempt, a feature lookup, a shadow copy).
    func startChild(_ name: String, kind: SpanKind) -> any Span {
        let parent = stage.withLock { $0?.span.context } ?? root.context
        return tracer.startSpan(name, context: parent, ofKind: kind)
    }

    /// A client span for one attempt to call `backend`, whose `traceparent` goes into `headers` in place of the
    /// client's, so that the model server's spans are its children.
    package func backendAttempt(
        to backend: Backend, variant: VariantRuntime, headers: inout HTTPHeaders
    ) -> BackendAttemptSpan {
        let span = startChild("POST", kind: .client)
        span.attributes["http.request.method"] = "POST"
        span.attributes["url.full"] = backend.baseURL
        if let host = backend.url.host { span.attributes["server.address"] = host }
        if let port = backend.url.port { span.attributes["server.port"] = port }
        span.attributes["mlgateway.variant"] = variant.name
        headers.remove(name: HTTPField.Name.traceparent.rawName)
        headers.remove(name: HTTPField.Name.tracestate.rawName)
        tracer.inject(span.context, into: &headers, using: HTTPHeadersInjector())
        return BackendAttemptSpan(span: span)
    }

    /// Ends the trace with the invocation's outcome.
    func end(_ outcome: InvocationOutcome) {
        switch outcome {
        case .success(let result): end(status: 200, variant: result.variant.name, error: nil)
        case .failure(let failure):
            end(status: Int(failure.error.status.code), variant: failure.variant, error: failure.error)
        }
    }

    /// Ends the trace with the status the client gets, the variant that served and the error, if any.
    func end(status: Int, variant: String?, error: GatewayError?) {
        stage.withLock { current in
            current?.span.end()
            current = nil
        }
        root.attributes["http.response.status_code"] = status
        if let variant { root.attributes["mlgateway.variant"] = variant }
        if let error {
            root.attributes["error.type"] = error.code
            // As OpenTelemetry's HTTP conventions have it, a server span is an error for 5xx, not for the client's 4xx.
            if status >= 500 { root.setStatus(SpanStatus(code: .error, message: error.message)) }
        }
        root.end()
    }
}

/// The span of one attempt to call a model server.
package struct BackendAttemptSpan: Sendable {
    let span: any Span

    /// Ends it with the attempt's outcome: the model server's status, or why no answer came.
    package func endAttempt(_ outcome: Result<BackendResponse, BackendCallError>) {
        switch outcome {
        case .success(let response):
            span.attributes["http.response.status_code"] = response.status
            if response.status >= 500 { span.setStatus(SpanStatus(code: .error)) }
        case .failure(let error):
            span.attributes["error.type"] = "\(error.kind)"
            span.setStatus(SpanStatus(code: .error, message: error.detail))
        }
        span.end()
    }
}

/// Reads W3C headers from a request's fields.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}

/// Writes W3C headers into a dictionary.
struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}

/// Writes W3C headers into a backend request's headers.
struct HTTPHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout HTTPHeaders) {
        carrier.replaceOrAdd(name: key, value: value)
    }
}
