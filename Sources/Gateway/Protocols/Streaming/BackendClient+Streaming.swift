import AsyncHTTPClient
import Logging
import NIOCore

extension BackendClient {
    /// Sends `request` to `path` of `backend` and returns as soon as the answer's head arrives; the body is read
    /// as it streams in. The request's timeout bounds the whole answer, body included.
    func open(
        _ request: BackendRequest, to backend: Backend, path: String, settings: BackendSettings, logger: Logger
    ) async throws(BackendCallError) -> HTTPClientResponse {
        var httpRequest = HTTPClientRequest(url: backend.baseURL + path)
        httpRequest.method = request.method
        httpRequest.headers = request.headers
        if let body = request.body { httpRequest.body = .bytes(body) }
        let client = httpClient(connectTimeout: settings.connectTimeout)
        do {
            return try await client.execute(
                httpRequest, timeout: .nanoseconds(request.timeout.nanosecondCount), logger: logger)
        } catch {
            throw BackendCallError(classifying: error)
        }
    }
}
