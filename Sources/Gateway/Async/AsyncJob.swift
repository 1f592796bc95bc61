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
    /// Where the result and the failure go.
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
}
