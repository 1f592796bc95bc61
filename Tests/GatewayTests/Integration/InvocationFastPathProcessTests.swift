import Foundation
import Testing

extension ProcessTests {
    /// The invocation route is served by a channel handler in front of Hummingbird's router (ADR 0009); these cover
    /// what only a real connection shows: ordering with the router's routes, closing, and bodies read off the wire.
    @Suite("Invocation fast path")
    struct InvocationFastPath {
        private static func chunked(_ chunks: [String], lastChunk: String = "0\r\n\r\n") -> String {
            "POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/csv\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n"
                + chunks.map { String($0.utf8.count, radix: 16) + "\r\n" + $0 + "\r\n" }.joined() + lastChunk
        }

        /// The status lines and request ids of the answers in `text`, in order.
        private static func answers(_ text: String) -> [(status: String, requestID: String)] {
            text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { answer in
                let status = String(answer.prefix(3))
                let id = answer.components(separatedBy: "x-amzn-RequestId: ").dropFirst().first?
                    .prefix { $0 != "\r" }
                return (status, id.map(String.init) ?? "")
            }
        }

        @Test func pipelinedRequestsOfBothPathsAreAnsweredInOrder() async throws {
            try await withGateway(backends: [BackendSpec(name: "a", delayMilliseconds: 100)]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, _ in
                let connection = try RawConnection(port: gateway.port)
                let ping = "GET /ping HTTP/1.1\r\nHost: gateway\r\n\r\n"
                let unknown = "POST /endpoints/nope/invocations HTTP/1.1\r\nHost: gateway\r\nContent-Length: 1\r\n\r\n1"
                let close = "GET /readyz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n"
                try connection.send(
                    RawConnection.invocation + ping + RawConnection.invocation + unknown + ping + ping
                        + RawConnection.invocation + close)
                let (text, closed) = try await connection.receiveAll(within: .seconds(30))
                #expect(closed)
                let answers = Self.answers(text)
                #expect(answers.map(\.status) == ["200", "200", "200", "400", "200", "200", "200", "200"])
                #expect(text.components(separatedBy: "x-Amzn-Invoked-Production-Variant: VariantA").count == 4)
                #expect(text.contains("Endpoint nope of account"))
                #expect(Set(answers.map(\.requestID)).count == answers.count)
            }
        }

        @Test func connectionCloseOnAnInvocationClosesAfterItsAnswer() async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                let request = RawConnection.invocation.replacingOccurrences(
                    of: "Host: gateway\r\n", with: "Host: gateway\r\nConnection: close\r\n")
                try connection.send(request)
                let (text, closed) = try await connection.receiveAll(within: .seconds(30))
                #expect(closed)
                #expect(Self.answers(text).map(\.status) == ["200"])
            }
        }

        @Test func readsAChunkedBody() async throws {
            try await withGateway(backends: [BackendSpec(name: "a", mode: "echo")]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, _ in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(Self.chunked(["1,2", ",3", "\n4,5,6"]))
                let text = try await connection.receiveAll(within: .seconds(2)).text
                #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
                #expect(text.hasSuffix("\r\n\r\n1,2,3\n4,5,6"))
            }
        }

        @Test func anOversizedChunkedBodyIsRefusedAndTheConnectionStaysUsable() async throws {
            try await withGateway(
                backends: [BackendSpec(name: "a")], server: "max_body_bytes = 16"
            ) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, _ in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    Self.chunked([String(repeating: "1,", count: 10), String(repeating: "2,", count: 10)])
                        + RawConnection.invocation)
                let text = try await connection.receiveAll(within: .seconds(2)).text
                #expect(Self.answers(text).map(\.status) == ["400", "200"])
                #expect(text.contains(#"{"message":"Request body exceeds the limit of 16 bytes."}"#))
            }
        }

        /// The first call opens the backend connection in a task (the call stage had to wait); the later ones find it
        /// idle on the one event loop and are served without a task, which must answer and count alike.
        @Test func modelErrorsOnAKeptAliveConnectionAreAnsweredAndCountedAlike() async throws {
            let backend = BackendSpec(name: "bad", failRate: 1)
            try await withGateway(backends: [backend], server: "threads = 1") { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["bad"].url])
            } _: { gateway, _ in
                var bodies: Set<String> = []
                for _ in 0..<3 {
                    let response = try await gateway.invoke()
                    #expect(response.status == 424)
                    #expect(response.errorType == "ModelError")
                    #expect(response.json["OriginalStatusCode"] as? Int == 500)
                    bodies.insert(response.text)
                }
                #expect(bodies.count == 1)
                let metrics = try await gateway.metrics()
                let labels = ["endpoint": "demo", "variant": "VariantA"]
                #expect(metrics.value("mlgateway_invocation_model_errors_total", labels) == 3)
                #expect(metrics.value("mlgateway_invocation_4xx_errors_total", labels) == 3)
            }
        }

        @Test func answersOnAKeptAliveConnectionCarryTheSageMakerHeaders() async throws {
            try await withGateway(backends: [BackendSpec(name: "a", mode: "echo")], server: "threads = 1") { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, _ in
                // Hummingbird's request ids are the process's random prefix (up to 16 hex digits, without leading
                // zeros) and a 16-digit counter: the router's answer to /ping shows this process's length.
                let routerID = try #require(
                    try await HTTP.request(.GET, "\(gateway.url)/ping").headers.first(name: "x-amzn-RequestId"))
                for index in 0..<3 {
                    let response = try await gateway.invoke(
                        body: "row \(index)", contentType: "text/plain",
                        headers: [("X-Amzn-SageMaker-Custom-Attributes", "trace=\(index)")])
                    #expect(response.status == 200)
                    #expect(response.text == "row \(index)")
                    #expect(response.headers.first(name: "Content-Type") == "text/plain")
                    #expect(response.headers.first(name: "x-Amzn-Invoked-Production-Variant") == "VariantA")
                    #expect(response.headers.first(name: "X-Amzn-SageMaker-Custom-Attributes") == "trace=\(index)")
                    let id = try #require(response.headers.first(name: "x-amzn-RequestId"))
                    #expect(id.count == routerID.count && id.allSatisfy(\.isHexDigit) && id != routerID)
                    #expect(response.headers.first(name: "Date") != nil)
                }
                let metrics = try await gateway.metrics()
                let labels = ["endpoint": "demo", "variant": "VariantA"]
                #expect(metrics.value("mlgateway_invocations_total", labels) == 3)
            }
        }

        @Test func aBadChunkInTheBodyIsAValidationError() async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(Self.chunked(["1,2,3"], lastChunk: "zz\r\n"))
                let (text, closed) = try await connection.receiveAll(within: .seconds(30))
                #expect(closed)
                #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
                #expect(text.contains("x-amzn-ErrorType: ValidationError\r\n"))
                #expect(text.contains("Request body could not be read"))
            }
        }
    }
}
