import Foundation

/// Asynchronous invocations (`[async]`): where inputs may be read from and results written to, and how the queue
/// is worked. The operation `POST /endpoints/{name}/async-invocations` is enabled only when the table is present.
public struct AsyncConfiguration: Sendable, Equatable {
    /// Directory `file://` input locations must lie under (`input_dir`).
    public var inputDirectory: URL
    /// Directory results are written to as `<InferenceId>.out` (`output_dir`).
    public var outputDirectory: URL
    /// Directory failures are written to as `<InferenceId>-error.out` (`failure_dir`).
    public var failureDirectory: URL
    /// Where results go instead, as `<InferenceId>.out` objects under this `s3://bucket/prefix`
    /// (`output_location`, SageMaker's `S3OutputPath`; needs `[object_store]`).
    public var outputLocation: S3Location?
    /// Where failures go instead, as `<InferenceId>-error.out` objects (`failure_location`, SageMaker's
    /// `S3FailurePath`; defaults to `failure/` under `output_location`).
    public var failureLocation: S3Location?
    /// Invocations processed at the same time (`workers`).
    public var workers: Int
    /// Attempts per invocation, the first included (`max_attempts`).
    public var maxAttempts: Int
    /// Delay before the first retry; doubled for each further one (`retry_delay`).
    public var retryDelay: Duration
    /// How long a request may wait in the queue unless the client sets `X-Amzn-SageMaker-RequestTTLSeconds`
    /// (`request_ttl`; SageMaker's default and maximum is 6 hours).
    public var requestTTL: Duration
    /// Time allowed for one model call unless the client sets `X-Amzn-SageMaker-InvocationTimeoutSeconds`
    /// (`invocation_timeout`; SageMaker's default is 15 minutes, its maximum 1 hour).
    public var invocationTimeout: Duration
    /// Largest input payload (`max_input_bytes`).
    public var maxInputBytes: Int

    /// Creates settings with SageMaker-like defaults, directories under `stateDirectory/async`.
    public init(stateDirectory: URL) {
        outputLocation = nil
        failureLocation = nil
        let base = stateDirectory.appendingPathComponent("async")
        inputDirectory = base.appendingPathComponent("input")
        outputDirectory = base.appendingPathComponent("output")
        failureDirectory = base.appendingPathComponent("failure")
        workers = 4
        maxAttempts = 3
        retryDelay = .seconds(1)
        requestTTL = .seconds(6 * 3600)
        invocationTimeout = .seconds(15 * 60)
        maxInputBytes = 64 * 1024 * 1024
    }
}
