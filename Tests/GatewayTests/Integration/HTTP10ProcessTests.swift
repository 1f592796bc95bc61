import Foundation
import Testing

extension ProcessTests {
    /// HTTP/1.0 clients (ApacheBench among them) rely on the server to close connections they do not keep alive.
    @Suite("HTTP/1.0 clients")
    struct HTTP10Clients {
        private static let invocation = RawConnection.invocation.replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0")
        private static let keptAlive = invocation.replacingOccurrences(
            of: "Host: gateway\r\n", with: "Host: gateway\r\nConnection: keep-alive\r\n")

        @Test func withoutKeepAliveEachAnswerClosesTheConnection() async throws {
            try await withDemoGateway { gateway in
                for request in [Self.invocation, "GET /ping HTTP/1.0\r\n\r\n"] {
                    let connection = try RawConnection(port: gateway.port)
                    try connection.send(request)
                    let (text, closed) = try await connection.receiveAll(within: .seconds(30))
                    #expect(closed)
                    #expect(text.hasPrefix("HTTP/1.0 200 OK\r\n"))
                    #expect(text.contains("\r\nConnection: close\r\n"))
                }
            }
        }

        @Test func keepAliveKeepsTheConnectionForTheNextRequests() async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                let http11 = "GET /ping HTTP/1.1\r\nHost: gateway\r\n\r\n"
                try connection.send(
                    Self.keptAlive + Self.keptAlive + http11 + "GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let (text, closed) = try await connection.receiveAll(within: .seconds(2))
                #expect(!closed)
                // The model's answers do not end in a line break, so a status line may follow a body directly.
                let statusLines = text.components(separatedBy: "HTTP/1.").dropFirst().map { answer in
                    "HTTP/1." + answer.prefix { !$0.isNewline }
                }
                #expect(statusLines == ["HTTP/1.0 200 OK", "HTTP/1.0 200 OK", "HTTP/1.1 200 OK", "HTTP/1.0 200 OK"])
                #expect(text.components(separatedBy: "\r\nConnection: keep-alive\r\n").count == 4)
                #expect(text.components(separatedBy: "x-Amzn-Invoked-Production-Variant: VariantA").count == 3)
            }
        }

        @Test func aStreamedAnswerEndsWithTheConnectionInsteadOfChunks() async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    Self.keptAlive.replacingOccurrences(of: "/invocations ", with: "/invocations-response-stream "))
                let (text, closed) = try await connection.receiveAll(within: .seconds(30))
                #expect(closed)
                #expect(text.hasPrefix("HTTP/1.0 200 OK\r\n"))
                #expect(text.contains("\r\nConnection: close\r\n"))
                #expect(!text.lowercased().contains("transfer-encoding"))
                #expect(text.contains("PayloadPart"))
            }
        }

        @Test func anExpectationIsIgnored() async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    Self.invocation.replacingOccurrences(
                        of: "Host: gateway\r\n", with: "Host: gateway\r\nExpect: 100-continue\r\n"))
                let (text, closed) = try await connection.receiveAll(within: .seconds(30))
                #expect(closed)
                #expect(text.hasPrefix("HTTP/1.0 200 OK\r\n"))
                #expect(!text.contains("100 Continue"))
            }
        }
    }
}
