import Hummingbird

/// The `stream` mode: the request body's words sent back one chunk at a time, as a token-streaming model would.
enum DemoStream {
    /// Why a stream was cut off on purpose (`--fail-after-chunks`).
    struct InjectedFailure: Error {}

    /// The tokens of `body`: its space-separated words, each but the last with its trailing space.
    static func tokens(of body: String) -> [String] {
        let words = body.split(separator: " ", omittingEmptySubsequences: true)
        return words.enumerated().map { index, word in index < words.count - 1 ? "\(word) " : String(word) }
    }

    /// A chunked answer with one chunk per token and `delay` before each; after `failAfter` chunks the connection
    /// is broken instead of finished.
    static func response(
        body: String, contentType: String, delay: Duration, failAfter: Int?, headers: HTTPFields
    ) -> Response {
        var headers = headers
        headers[.contentType] = contentType
        let tokens = tokens(of: body)
        let stream = ResponseBody { writer in
            for (index, token) in tokens.enumerated() {
                if let failAfter, index >= failAfter { throw InjectedFailure() }
                if delay > .zero { try await Task.sleep(for: delay) }
                try await writer.write(ByteBuffer(string: token))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: stream)
    }
}
