import Foundation
import GatewayAuth
import HTTPTypes
import MappingTemplates
import NIOCore

extension InvocationPipeline {
    /// What the response template stage needs from the request template stage.
    package struct TemplateRendering: Sendable {
        package let metrics: TemplateMetrics
        /// Parameters, `$context`, `$stageVariables` and `$features` of the request; the body is set per render.
        package var input: TemplateInput
        /// The template chosen by the client's `Accept`.
        package let response: TemplateScope.Resolved
    }

    /// Transforms the body for the model with the request template chosen by `Content-Type`, or applies the
    /// pass-through behaviour when none matches (415 `UnsupportedMediaType`). The template input is built with
    /// only the parts that the request and response templates read.
    ///
    /// - Returns: what the response stage needs, or nil when no response template applies to this request (the
    ///   response stage is then skipped).
    package func applyRequestTemplate(
        _ invocation: inout Invocation, variant: VariantRuntime, run: InvocationRun
    ) throws(GatewayError) -> TemplateRendering? {
        let endpoint = invocation.endpoint
        guard
            let scope = runtime.templates.scope(
                endpoint: endpoint.configuration, variant: variant.configuration, cache: variant.templateScope)
        else { return nil }
        let requestTemplate = scope.requestTemplate(contentType: invocation.contentType)
        if requestTemplate == nil {
            switch scope.passthrough {
            case .whenNoMatch:
                break
            case .whenNoTemplates where !scope.hasRequestTemplates:
                break
            case .whenNoTemplates, .never:
                throw .unsupportedMediaType(
                    endpoint: endpoint.name, contentType: TemplateScope.requestMediaType(invocation.contentType),
                    passthrough: scope.passthrough)
            }
        }
        let responseTemplate = scope.responseTemplate(accept: invocation.accept)
        guard requestTemplate != nil || responseTemplate != nil else { return nil }
        let reads = (requestTemplate?.template.reads ?? []).union(responseTemplate?.template.reads ?? [])
        let parameters = reads.contains(.parameters)
        var input = TemplateInput(
            pathParameters: parameters ? ["name": endpoint.name] : [:],
            queryParameters: parameters ? Self.queryParameters(run.request) : [:],
            headers: parameters ? Self.headers(run.request.head) : [:],
            context: reads.contains(.context)
                ? Self.templateContext(
                    request: run.request, endpoint: endpoint.name, variant: variant.name,
                    requestID: invocation.requestID, accountID: runtime.configuration.server.accountID,
                    principal: invocation.principal)
                : .map(TemplateMap()),
            features: invocation.features)
        input.preparedStageVariables = scope.preparedStageVariables
        if let requestTemplate {
            let output = try Self.render(
                requestTemplate, body: invocation.body, input: input, direction: .request, metrics: scope.metrics)
            invocation.body = ByteBuffer(string: output)
            invocation.inferenceHeaderContentLength = nil
            if let outputContentType = requestTemplate.outputContentType { invocation.contentType = outputContentType }
        }
        return responseTemplate.map { TemplateRendering(metrics: scope.metrics, input: input, response: $0) }
    }

    /// Transforms the model's answer with the response template chosen by the client's `Accept`; the answer goes
    /// to the client unchanged when none matches. A rendered answer has the template's media type.
    package func applyResponseTemplate(_ result: inout InvocationResult, rendering: TemplateRendering?)
        throws(GatewayError)
    {
        guard let rendering else { return }
        let output = try Self.render(
            rendering.response, body: result.body, input: rendering.input, direction: .response,
            metrics: rendering.metrics)
        result.body = ByteBuffer(string: output)
        result.inferenceHeaderContentLength = nil
        result.contentType = rendering.response.key.contentType
    }

    /// Renders one template, recording its time or its failure.
    package static func render(
        _ resolved: TemplateScope.Resolved, body: ByteBuffer, input: TemplateInput, direction: TemplateDirection,
        metrics: TemplateMetrics
    ) throws(GatewayError) -> String {
        var input = input
        input.body = String(buffer: body)
        let start = ContinuousClock.now
        do {
            let output = try resolved.template.render(input)
            metrics.recordRender(direction, ContinuousClock.now - start)
            return output
        } catch {
            metrics.recordError(direction, error.kind)
            if error.kind == .payload, direction == .request {
                // The engine words payload errors as API Gateway does ("Could not process payload: …").
                throw .validation(error.message)
            }
            throw .internalFailure(
                "Mapping template \(resolved.key) (\(resolved.origin)) failed at \(error.line):\(error.column): \(error.message)"
            )
        }
    }

    /// Query parameters; a repeated name keeps its last value, as API Gateway's single-value maps do.
    package static func queryParameters(_ request: InvocationRequest) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in request.queryParameters {
            parameters[name] = value
        }
        return parameters
    }

    /// Request headers by the name the client wrote, `Host` included (HTTP/1.1 carries it as a header; HTTPTypes
    /// moves it to the request's authority); a repeated name keeps its last value.
    package static func headers(_ head: HTTPRequest) -> [String: String] {
        var headers: [String: String] = [:]
        headers.reserveCapacity(head.headerFields.count + 1)
        if let host = head.authority { headers["Host"] = host }
        for field in head.headerFields {
            headers[field.name.rawName] = field.value
        }
        return headers
    }

    /// `$context`, filled as API Gateway does from the gateway's request, plus `endpoint` and `variant`; an
    /// authenticated caller adds `identity.apiKeyId` (and `identity.accessKey` for SigV4).
    package static func templateContext(
        request: InvocationRequest, endpoint: String, variant: String, requestID: String,
        accountID: String, principal: Principal? = nil
    ) -> TemplateValue {
        let now = Date()
        var identity: TemplateMap = [
            "sourceIp": .string(request.remoteAddress?.ipAddress ?? ""),
            "userAgent": .string(request.head.headerFields.value(.userAgent) ?? ""),
        ]
        if let principal {
            identity["apiKeyId"] = .string(principal.keyID)
            if case .sigV4(let accessKey) = principal.method { identity["accessKey"] = .string(accessKey) }
        }
        let map: TemplateMap = [
            "accountId": .string(accountID),
            "apiId": "mlgateway",
            "domainName": .string(request.head.authority ?? ""),
            "endpoint": .string(endpoint),
            "extendedRequestId": .string(requestID),
            "httpMethod": .string(request.head.method.rawValue),
            "identity": .map(identity),
            "path": .string(request.path),
            "protocol": "HTTP/1.1",
            "requestId": .string(requestID),
            "requestTime": .string(RequestTime.format(now)),
            "requestTimeEpoch": .int(Int((now.timeIntervalSince1970 * 1000).rounded(.down))),
            "resourcePath": "/endpoints/{name}/invocations",
            "stage": "mlgateway",
            "variant": .string(variant),
        ]
        return .map(map)
    }
}

extension GatewayError {
    /// 415 `UnsupportedMediaType`: no request template for the `Content-Type` and the pass-through behaviour forbids
    /// sending the body unchanged.
    package static func unsupportedMediaType(endpoint: String, contentType: String, passthrough: PassthroughBehavior)
        -> GatewayError
    {
        GatewayError(
            code: .unsupportedMediaType, status: .unsupportedMediaType,
            message:
                "Unsupported Media Type: endpoint \(endpoint) has no request template for \(contentType) (passthrough_behavior \(passthrough.rawValue))."
        )
    }
}

/// `$context.requestTime` in API Gateway's CLF form, `09/Apr/2015:12:34:56 +0000`.
package enum RequestTime {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    package static func format(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let month = months[Int(max(0, min(11, parts.tm_mon)))]
        return
            "\(two(parts.tm_mday))/\(month)/\(parts.tm_year + 1900):\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
