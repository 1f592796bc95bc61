import Foundation
import Testing

extension ProcessTests {
    @Suite("Expect: 100-continue")
    struct ExpectContinue {
        @Test func theInterimAnswerComesBeforeTheBodyIsSent() async throws {
            try await withDemoGateway { gateway in
                let connection = try RawConnection(port: gateway.port)
                try connection.send(
                    "POST /endpoints/demo/invocations HTTP/1.1\r\nHost: gateway\r\nContent-Type: text/csv\r\n"
                        + "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                guard case .bytes(let interim) = try await connection.receive(within: .seconds(30)) else {
                    Issue.record("no 100 Continue before the body")
                    return
                }
                #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n")
                try connection.send("1,2,3")
                guard case .bytes(let answer) = try await connection.receive(within: .seconds(30)) else {
                    Issue.record("no answer after the body")
                    return
                }
                #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
                #expect(answer.contains("x-Amzn-Invoked-Production-Variant: VariantA"))
            }
        }
    }
}
