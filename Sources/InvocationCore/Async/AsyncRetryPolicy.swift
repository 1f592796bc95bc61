/// Decides what happens to an asynchronous invocation after a failed attempt.
///
/// Failures that another attempt may cure are retried with exponential backoff: no backend could take the request
/// (503), a gateway fault (500), a model that timed out or broke the connection (`ModelError` with status 0), or a
/// model answering 5xx. A model's 4xx answer and validation errors fail at once.
package struct AsyncRetryPolicy: Sendable, Equatable {
    /// Attempts allowed, the first included.
    package let maxAttempts: Int
    /// Delay before the first retry.
    package let retryDelay: Duration

    /// What to do with a job after attempt number `attempts` (1-based) failed with `error`.
    package enum Decision: Sendable, Equatable {
        /// Try again after this delay.
        case retry(after: Duration)
        /// Give up.
        case fail
    }

    package func decide(after error: GatewayError, attempts: Int) -> Decision {
        guard attempts < maxAttempts, Self.isRetryable(error) else { return .fail }
        let factor = 1 << min(attempts - 1, 16)
        return .retry(after: retryDelay * factor)
    }

    package static func isRetryable(_ error: GatewayError) -> Bool {
        if error.code == "ModelError" {
            let original = error.integerFields.first { $0.0 == "OriginalStatusCode" }?.1 ?? 0
            return original == 0 || original >= 500
        }
        return error.status.code >= 500
    }
}
