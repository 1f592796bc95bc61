/// Who waits for an exchange of a ``BackendConnectionHandler``: a suspended task, or a callback on the event loop
/// (the direct invocation path, which has no task).
package enum BackendCaller {
    case continuation(UnsafeContinuation<BackendResponse, any Error>)
    case callback((Result<BackendResponse, any Error>) -> Void)

    /// Hands over the answer.
    package func resume(returning response: BackendResponse) {
        switch self {
        case .continuation(let continuation): continuation.resume(returning: response)
        case .callback(let callback): callback(.success(response))
        }
    }

    /// Hands over the failure.
    package func resume(throwing error: any Error) {
        switch self {
        case .continuation(let continuation): continuation.resume(throwing: error)
        case .callback(let callback): callback(.failure(error))
        }
    }
}
