import Foundation
import Testing

extension ProcessTests {
    @Suite("Client idle timeout")
    struct ClientIdleTimeout {
        @Test func anIdleConnectionIsClosedButASlowAnswerIsNotCut() async throws {
            try await withGateway(
                backends: [BackendSpec(name: "slow", delayMilliseconds: 1500)], server: #"client_idle_timeout = "1s""#
            ) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["slow"].url])
            } _: { gateway, _ in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(RawConnection.invocation)
                guard case .bytes(let answer) = try await connection.receive(within: .seconds(30)) else {
                    Issue.record("no answer to a request that outlived the idle timeout")
                    return
                }
                #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
                #expect(try await connection.closes(within: .seconds(10)))

                let stalled = try RawConnection(port: gateway.port)
                try stalled.send(
                    "POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nContent-Length: 5\r\n\r\n1,")
                #expect(try await stalled.closes(within: .seconds(10)))
            }
        }

        @Test func zeroKeepsIdleConnectionsOpen() async throws {
            try await withDemoGateway(server: #"client_idle_timeout = "0s""#) { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(RawConnection.invocation)
                guard case .bytes(let answer) = try await connection.receive(within: .seconds(30)) else {
                    Issue.record("no answer")
                    return
                }
                #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
                #expect(try await !connection.closes(within: .seconds(2)))
            }
        }
    }
}
