import HTTPTypes
import NIOCore
import WireFormats

/// An AWS-style error answer: a status, an error type sent as `x-amzn-ErrorType`, and a JSON body whose `message`
/// names the problem. botocore turns it into a `ClientError` with that code and message.
public struct GatewayError: Error, Sendable, Equatable {
    /// AWS error code, such as `ValidationError` or `ModelError` (``Code``'s raw value, as sent).
    public private(set) var code: String
    /// HTTP status.
    public var status: HTTPResponse.Status
    /// Human-readable description naming the problem.
    public var message: String
    /// Extra JSON string fields (e.g. `OriginalMessage`, `LogStreamArn`), in order.
    public var fields: [(String, String)]
    /// Extra JSON integer fields (e.g. `OriginalStatusCode`).
    public var integerFields: [(String, Int)]
    /// Extra response headers (e.g. `Retry-After`).
    public var headers: HTTPFields

    /// Creates an error.
    public init(
        code: Code, status: HTTPResponse.Status, message: String,
        fields: [(String, String)] = [], integerFields: [(String, Int)] = [], headers: HTTPFields = [:]
    ) {
        self.code = code.rawValue
        self.status = status
        self.message = message
        self.fields = fields
        self.integerFields = integerFields
        self.headers = headers
    }

    public static func == (lhs: GatewayError, rhs: GatewayError) -> Bool {
        lhs.code == rhs.code && lhs.status == rhs.status && lhs.message == rhs.message
    }

    /// The JSON body: `{"message": …}` plus the extra fields.
    public var body: String {
        var json = "{\"message\":\(JSONText.quoted(message))"
        for (key, value) in integerFields { json += ",\(JSONText.quoted(key)):\(value)" }
        for (key, value) in fields { json += ",\(JSONText.quoted(key)):\(JSONText.quoted(value))" }
        return json + "}"
    }

    /// The Open Inference Protocol's error body, `{"error": message}`.
    package var openInferenceBody: String {
        "{\"error\":\(JSONText.quoted(message))}"
    }

    /// The answer's headers: ``headers`` with `Content-Type: application/json` and `x-amzn-ErrorType`.
    package var responseHeaders: HTTPFields {
        var headers = self.headers
        headers[.contentType] = "application/json"
        headers[.amznErrorType] = code
        return headers
    }
}

extension GatewayError {
    /// Every AWS error code the gateway answers with, as `x-amzn-ErrorType`.
    public enum Code: String, Sendable, CaseIterable {
        /// The request is wrong (400).
        case validation = "ValidationError"
        /// The model answered non-2xx, timed out or broke the connection (424).
        case modelError = "ModelError"
        /// No variant or backend can take the request (503).
        case serviceUnavailable = "ServiceUnavailable"
        /// A fault of the gateway (500).
        case internalFailure = "InternalFailure"
        /// No such route (404).
        case unknownOperation = "UnknownOperationException"
        /// No request template for the `Content-Type` and pass-through is not allowed (415).
        case unsupportedMediaType = "UnsupportedMediaType"
        /// Open Inference: no endpoint has the model's name (404).
        case modelNotFound = "ModelNotFound"
        /// A multi-model variant is still loading the model (429).
        case modelNotReady = "ModelNotReadyException"
        /// No such async invocation or API key (404).
        case resourceNotFound = "ResourceNotFound"
        /// A template version changed under the admin's edit (409).
        case conflict = "ConflictException"
        /// No such template (404).
        case notFound = "NotFoundException"
        /// A configuration reload was refused (400).
        case invalidConfiguration = "InvalidConfiguration"
        /// No credentials (403).
        case missingAuthenticationToken = "MissingAuthenticationTokenException"
        /// Unknown API key or access key ID (403).
        case unrecognizedClient = "UnrecognizedClientException"
        /// A SigV4 signature that does not match (403).
        case invalidSignature = "InvalidSignatureException"
        /// Malformed SigV4 credentials (400).
        case incompleteSignature = "IncompleteSignatureException"
        /// Revoked, expired or out-of-scope key, or a wrong admin token (403).
        case accessDenied = "AccessDeniedException"
        /// Over the key's rate limit or quota (429).
        case throttling = "ThrottlingException"
        /// The request did not arrive within `request_receive_timeout` (408).
        case requestTimeout = "RequestTimeout"
        /// A request in a form the gateway does not implement, such as a transfer coding other than chunked (501).
        case notImplemented = "NotImplemented"
    }

    /// 400 `ValidationError`: the request is wrong.
    public static func validation(_ message: String) -> GatewayError {
        GatewayError(code: .validation, status: .badRequest, message: message)
    }

    /// 400 `ValidationError` for an endpoint that is not configured, worded as SageMaker does.
    public static func unknownEndpoint(_ name: String, account: String) -> GatewayError {
        .validation("Endpoint \(name) of account \(account) not found.")
    }

    /// 424 `ModelError`: the model container answered with a non-2xx status. Worded as SageMaker does: a "server
    /// error" for a 5xx answer, a "client error" otherwise.
    public static func modelError(endpoint: String, variant: String, status: Int, body: String) -> GatewayError {
        GatewayError(
            code: .modelError, status: .init(code: 424),
            message: "Received \(status >= 500 ? "server" : "client") error (\(status)) from primary with message "
                + "\"\(body)\". See the gateway logs for endpoint \(endpoint), variant \(variant).",
            fields: [("OriginalMessage", body), ("LogStreamArn", "mlgateway/endpoints/\(endpoint)/\(variant)")],
            integerFields: [("OriginalStatusCode", status)]
        )
    }

    /// 503 `ServiceUnavailable`: no backend can take the request now.
    public static func serviceUnavailable(_ message: String) -> GatewayError {
        GatewayError(code: .serviceUnavailable, status: .serviceUnavailable, message: message)
    }

    /// 500 `InternalFailure`: a fault of the gateway itself.
    public static func internalFailure(_ message: String) -> GatewayError {
        GatewayError(code: .internalFailure, status: .internalServerError, message: message)
    }

    /// 404 `UnknownOperationException`: no such route.
    public static func unknownOperation(_ method: String, _ path: String) -> GatewayError {
        GatewayError(code: .unknownOperation, status: .notFound, message: "No operation matches \(method) \(path).")
    }
}

extension HTTPField.Name {
    /// `x-amzn-ErrorType`, the AWS error code header.
    public static let amznErrorType = HTTPField.Name("x-amzn-ErrorType")!
    /// `x-amzn-RequestId`, the request id.
    public static let amznRequestID = HTTPField.Name("x-amzn-RequestId")!
    /// `x-Amzn-Invoked-Production-Variant`, the variant that served.
    public static let invokedProductionVariant = HTTPField.Name("x-Amzn-Invoked-Production-Variant")!
    /// `X-Amzn-SageMaker-Custom-Attributes`, opaque data passed to and from the model.
    public static let customAttributes = HTTPField.Name("X-Amzn-SageMaker-Custom-Attributes")!
    /// `X-Amzn-SageMaker-Target-Variant`, the variant the client asks for.
    public static let targetVariant = HTTPField.Name("X-Amzn-SageMaker-Target-Variant")!
    /// `X-Amzn-SageMaker-Target-Model`, the model of a multi-model endpoint.
    public static let targetModel = HTTPField.Name("X-Amzn-SageMaker-Target-Model")!
    /// `Inference-Header-Content-Length`: an Open Inference body of this many bytes of JSON followed by binary tensor
    /// data (the protocol's binary tensor extension), in a request or an answer.
    public static let inferenceHeaderContentLength = HTTPField.Name("Inference-Header-Content-Length")!
    /// `X-Amzn-SageMaker-Inference-Id`, the client's id for data capture.
    public static let inferenceID = HTTPField.Name("X-Amzn-SageMaker-Inference-Id")!
    /// `X-Amzn-SageMaker-Target-Container-Hostname` (multi-container endpoints; not supported).
    public static let targetContainerHostname = HTTPField.Name("X-Amzn-SageMaker-Target-Container-Hostname")!
    /// `X-Amzn-SageMaker-Enable-Explanations` (SageMaker Clarify; not supported).
    public static let enableExplanations = HTTPField.Name("X-Amzn-SageMaker-Enable-Explanations")!
    /// `X-Amzn-SageMaker-Inference-Component` (inference components; not supported).
    public static let inferenceComponent = HTTPField.Name("X-Amzn-SageMaker-Inference-Component")!
    /// `X-Amzn-SageMaker-Session-Id` (stateful sessions; not supported).
    public static let sessionID = HTTPField.Name("X-Amzn-SageMaker-Session-Id")!
}
