import Foundation
import Testing

extension ProcessTests {
    @Suite("Malformed HTTP")
    struct MalformedHTTP {
        @Test(arguments: [
            ("POST /endpoints/demo/invocations HTTP/1.1\r\nHost gateway\r\n\r\n", "a header line is malformed"),
            ("HELLO\r\n\r\n", "its request line is malformed"),
            (
                "POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nContent-Length: ten\r\n\r\n",
                "its Content-Length is invalid"
            ),
            (
                "POST /endpoints/demo/invocations HTTP/1.1\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n",
                "its headers are over the limits of 80 KiB and 1000 fields"
            ),
            (
                "GET /ping HTTP/1.1\r\nHost: gateway\r\n"
                    + (0..<1001).map { "X-Field-\($0): v\r\n" }.joined() + "\r\n",
                "its headers are over the limits of 80 KiB and 1000 fields"
            ),
        ])
        func isAnAWSStyleValidationErrorAndClosesTheConnection(request: String, problem: String) async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(request)
                let (answer, closed) = try await connection.receiveAll(within: .seconds(30))
                #expect(closed)
                #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
                #expect(answer.contains("x-amzn-ErrorType: ValidationError\r\n"))
                #expect(answer.contains("Connection: close\r\n"))
                #expect(answer.contains(#"{"message":"The request is not valid HTTP/1.1: \#(problem)"#))
                #expect(try await gateway.invoke().status == 200)
            }
        }

        @Test func afterAValidRequestIsAnsweredInOrder() async throws {
            try await withGateway(backends: [BackendSpec(name: "a", delayMilliseconds: 200)]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, _ in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(RawConnection.invocation + "GARBAGE\r\n\r\n")
                let (answer, closed) = try await connection.receiveAll(within: .seconds(30))
                #expect(closed)
                let ok = try #require(answer.range(of: "HTTP/1.1 200 OK\r\n"))
                let rejected = try #require(answer.range(of: "HTTP/1.1 400 Bad Request\r\n"))
                #expect(ok.lowerBound < rejected.lowerBound)
                #expect(answer.contains("its request line is malformed"))
            }
        }
    }
}
