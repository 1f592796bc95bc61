import Foundation

/// One queued asynchronous invocation, as stored in the `async_job` table.
public struct AsyncJob: Sendable, Equatable {
    /// Where a job stands.
    public enum State: String, Sendable, Equatable {
        /// Waiting for a worker (or for its retry time).
        case queued = "InProgress"
        /// A worker is calling the model.
        case running = "Running"
        /// The result is at the output location.
        case succeeded = "Completed"
        /// The failure is at the failure location.
        case failed = "Failed"
        /// The request TTL passed before it could run; the failure location says so.
        case expired = "Expired"
    }

    /// `InferenceId`: the client's `X-Amzn-SageMaker-Inference-Id` or a generated UUID.
    public var id: String
    /// The endpoint invoked.
    public var endpoint: String
    /// The input file, when given by `X-Amzn-SageMaker-InputLocation`.
    public var inputPath: String?
    /// The input itself, when sent inline as the request body.
    public var inputBody: Data?
    /// Request headers passed to the model.
    public var contentType: String?
    public var accept: String?
    public var customAttributes: String?
    public var targetVariant: String?
    /// Where the result and the failure go: a file path, or an `s3://` URI.
    public var outputPath: String
    public var failurePath: String
    /// Current state and attempts started so far.
    public var state: State
    public var attempts: Int
    /// Times, as seconds since 1970.
    public var createdAt: Double
    public var expiresAt: Double
    public var notBefore: Double
    public var finishedAt: Double?
    /// Time allowed for one model call, in seconds.
    public var invocationTimeout: Double
    /// The variant that served, once known.
    public var variant: String?
    /// The last error message.
    public var error: String?

    package init(
        id: String, endpoint: String, inputPath: String? = nil, inputBody: Data? = nil, contentType: String? = nil,
        accept: String? = nil, customAttributes: String? = nil, targetVariant: String? = nil, outputPath: String,
        failurePath: String, state: State, attempts: Int, createdAt: Double, expiresAt: Double, notBefore: Double,
        finishedAt: Double? = nil, invocationTimeout: Double, variant: String? = nil, error: String? = nil
    ) {
        self.id = id
        self.endpoint = endpoint
        self.inputPath = inputPath
        self.inputBody = inputBody
        self.contentType = contentType
        self.accept = accept
        self.customAttributes = customAttributes
        self.targetVariant = targetVariant
        self.outputPath = outputPath
        self.failurePath = failurePath
        self.state = state
        self.attempts = attempts
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.finishedAt = finishedAt
        self.invocationTimeout = invocationTimeout
        self.variant = variant
        self.error = error
    }

    /// `path` as the URI clients are told (`X-Amzn-SageMaker-OutputLocation`): an `s3://` URI as it is, a file path
    /// as a `file://` URL.
    public static func uri(_ path: String) -> String {
        path.hasPrefix("s3://") ? path : URL(fileURLWithPath: path).absoluteString
    }
}
