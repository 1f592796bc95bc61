import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Minimal HTTP calls for process tests, over AsyncHTTPClient's shared client.
enum HTTP {
    struct Response: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }

        /// The JSON object of the body (empty when it is not one).
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }

        /// `x-amzn-ErrorType`.
        var errorType: String? { headers.first(name: "x-amzn-ErrorType") }

        /// `x-Amzn-Invoked-Production-Variant`.
        var variant: String? { headers.first(name: "x-Amzn-Invoked-Production-Variant") }
    }

    static func request(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Response {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(
            request,
            timeout: .milliseconds(
                timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        let body = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Response(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
    }
}

/// Polls `condition` until it holds, or fails after `timeout`.
func eventually(
    _ description: String, timeout: Duration = .seconds(30), interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if (try? await condition()) == true { return }
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out waiting until \(description)") }
        try await Task.sleep(for: interval)
    }
}
