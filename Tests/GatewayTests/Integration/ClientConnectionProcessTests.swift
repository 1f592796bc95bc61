import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension ProcessTests {
    /// The client connection against clients that misbehave, on the real binary (issue 23): each test replays the
    /// client the issue describes, over a raw socket.
    @Suite("Client connections")
    struct ClientConnections {
        /// A client that pipelines 1 MiB invocations and never reads: the gateway stops reading once answers wait to
        /// be written, so it takes a few requests, not all of them, and its memory stays flat.
        @Test func aClientThatNeverReadsIsNotReadFurther() async throws {
            try await withGateway(backends: [BackendSpec(name: "echo", mode: "echo")]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["echo"].url])
            } _: { gateway, _ in
                let before = try Self.residentBytes(gateway.child.process.processIdentifier)
                let body = String(repeating: "1,2,3\n", count: 1024 * 1024 / 6)
                let request = Array(
                    ("POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/csv\r\n"
                        + "Content-Length: \(body.utf8.count)\r\n\r\n" + body).utf8)
                let connection = try RawConnection(port: gateway.port)
                let taken = try await connection.sendWhileRead(request, times: 300, stall: .seconds(2))
                let after = try Self.residentBytes(gateway.child.process.processIdentifier)
                #expect(taken < 40 * request.count, "the gateway read \(taken / request.count) of 300 requests")
                #expect(after - before < 150 * 1024 * 1024, "RSS grew from \(before) to \(after) bytes")
                #expect(try await gateway.invoke().status == 200)
            }
        }

        /// A connection flood: past `max_connections` new connections are closed at once, while those open keep
        /// working; a freed place is taken again.
        @Test func connectionsOverTheLimitAreClosedAtOnce() async throws {
            try await withDemoGateway(server: "max_connections = 3") { gateway in
                /// Five connections at once; those the gateway keeps open.
                func flood() async throws -> [RawConnection] {
                    let connections = try (0..<5).map { _ in try RawConnection(port: gateway.port) }
                    var open: [RawConnection] = []
                    for connection in connections where try await !connection.closes(within: .seconds(1)) {
                        open.append(connection)
                    }
                    return open
                }
                // Which ones are refused depends on the order the event loops accept them in. The readiness probe's
                // connection holds a place until the gateway has seen it close, which a loaded machine can delay
                // past the flood: then the flood is tried once more, when that place is free.
                var open = try await flood()
                if open.count < 3 {
                    open = []
                    try await Task.sleep(for: .seconds(1))
                    open = try await flood()
                }
                #expect(open.count == 3)
                let first = try #require(open.first)
                try first.send(RawConnection.invocation)
                guard case .bytes(let answer) = try await first.receive(within: .seconds(10)) else {
                    Issue.record("an admitted connection was not answered")
                    return
                }
                #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
                let refused = try await gateway.metrics().value(
                    "mlgateway_connections_refused_total", ["listener": "client"])
                #expect((refused ?? 0) >= 2)
                #expect(try await gateway.endpointsState().backends["demo"] != nil, "the admin listener still answers")
            }
        }

        /// `Connection: close` with a body over the limit, sent whole as python's http.client does: the client
        /// finishes sending, then reads the 400 (lingering close), instead of a reset.
        @Test func anEarlyAnswerBeforeTheBodyIsReadStillReachesAClientThatKeepsSending() async throws {
            try await withDemoGateway(server: "max_body_bytes = 1048576") { gateway in
                let body = String(repeating: "a", count: 3 * 1024 * 1024)
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    "POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n"
                        + "Content-Type: text/csv\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
                let (answer, closed) = try await connection.receiveAll(within: .seconds(20))
                #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
                #expect(answer.contains("Connection: close\r\n"))
                #expect(answer.contains("exceeds the limit of 1048576 bytes"))
                #expect(closed)
            }
        }

        @Test func noContinueForADeclaredBodyOverTheLimit() async throws {
            try await withDemoGateway(server: "max_body_bytes = 1048576") { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    "POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nExpect: 100-continue\r\n"
                        + "Content-Type: text/csv\r\nContent-Length: 2000000\r\n\r\n")
                guard case .bytes(let answer) = try await connection.receive(within: .seconds(10)) else {
                    Issue.record("no answer before the body")
                    return
                }
                #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
                #expect(!answer.contains("100 Continue"))
            }
        }

        /// A body that trickles in slower than `request_receive_timeout` allows is cut with a 408.
        @Test func aBodySentTooSlowlyIsAnswered408AndClosed() async throws {
            try await withDemoGateway(server: #"request_receive_timeout = "2s""#) { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    "POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/csv\r\n"
                        + "Content-Length: 100\r\n\r\n1")
                let start = ContinuousClock.now
                var answer = ""
                while ContinuousClock.now - start < .seconds(15), answer.isEmpty {
                    try? connection.send(",")
                    if case .bytes(let bytes) = try await connection.receive(within: .milliseconds(300)) {
                        answer = bytes
                    }
                }
                #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"))
                #expect(answer.contains("x-amzn-ErrorType: RequestTimeout\r\n"))
                #expect(try await connection.closes(within: .seconds(5)))
                #expect(try await gateway.invoke().status == 200)
            }
        }

        /// Answers written once draining started say `Connection: close`, so a keep-alive client does not send its
        /// next request on a connection about to close.
        @Test func drainSaysConnectionCloseOnTheAnswersInFlight() async throws {
            try await withGateway(
                backends: [BackendSpec(name: "slow", delayMilliseconds: 1500)], server: #"drain_timeout = "30s""#
            ) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["slow"].url])
            } _: { gateway, _ in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(RawConnection.invocation)
                try await Task.sleep(for: .milliseconds(500))
                gateway.send(SIGTERM)
                let (answer, closed) = try await connection.receiveAll(within: .seconds(20))
                #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
                #expect(answer.contains("Connection: close\r\n"))
                #expect(closed)
            }
        }

        @Test func anHTTP11RequestWithoutHostIs400() async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    "POST /endpoints/demo/invocations HTTP/1.1\r\nContent-Type: text/csv\r\nContent-Length: 5\r\n\r\n1,2,3"
                )
                let (answer, closed) = try await connection.receiveAll(within: .seconds(10))
                #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
                #expect(answer.contains("x-amzn-ErrorType: ValidationError\r\n"))
                #expect(answer.contains("no Host header"))
                #expect(closed)
            }
        }

        @Test func aTransferCodingOtherThanChunkedIs501() async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    "POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/csv\r\n"
                        + "Transfer-Encoding: gzip, chunked\r\n\r\n5\r\n1,2,3\r\n0\r\n\r\n")
                let (answer, closed) = try await connection.receiveAll(within: .seconds(10))
                #expect(answer.hasPrefix("HTTP/1.1 501 Not Implemented\r\n"))
                #expect(answer.contains("x-amzn-ErrorType: NotImplemented\r\n"))
                #expect(answer.contains("Transfer-Encoding gzip is not supported"))
                #expect(closed)
            }
        }

        /// The resident set size of process `pid`, from `/proc`.
        private static func residentBytes(_ pid: Int32) throws -> Int {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
    }
}
