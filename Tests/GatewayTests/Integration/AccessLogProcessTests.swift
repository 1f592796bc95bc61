import Foundation
import Testing

extension ProcessTests {
    @Suite("Access log")
    struct AccessLog {
        @Test func oneLinePerAnswerWhileOnAndReloadTurnsItOff() async throws {
            try await withGateway(backends: [BackendSpec(name: "a")], server: "access_log = true") { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, backends in
                let body = TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
                let served = try await gateway.invoke()
                #expect(served.status == 200)
                let firstID = try #require(served.headers.first(name: "x-amzn-RequestId"))
                #expect(try await gateway.invoke("missing").status == 400)
                try await eventually("both answers are logged") { lines(of: gateway).count == 2 }
                let success = try #require(lines(of: gateway).first { $0.contains("hb.request.id=\(firstID)") })
                for part in [
                    " info ", "http.method=POST", "http.path=/endpoints/demo/invocations", "http.status=200",
                    "variant=VariantA", "duration_ms=",
                ] {
                    #expect(success.contains(part))
                }
                let failure = try #require(lines(of: gateway).first { $0.contains("/endpoints/missing/invocations") })
                #expect(failure.contains("http.status=400"))
                #expect(failure.contains("error.code=ValidationError"))

                let on = gateway.serverTable
                let off = on.replacingOccurrences(of: "access_log = true", with: "access_log = false")
                try gateway.writeRaw(off + body)
                #expect(try await HTTP.request(.POST, "\(gateway.adminURL)/admin/reload").status == 200)
                let unlogged = try #require(try await gateway.invoke().headers.first(name: "x-amzn-RequestId"))
                try gateway.writeRaw(on + body)
                #expect(try await HTTP.request(.POST, "\(gateway.adminURL)/admin/reload").status == 200)
                let lastID = try #require(try await gateway.invoke().headers.first(name: "x-amzn-RequestId"))
                // Lines reach the pipe in order, so once the last one is there the one in between would be too.
                try await eventually("the last answer is logged") {
                    lines(of: gateway).contains { $0.contains("hb.request.id=\(lastID)") }
                }
                #expect(!gateway.output.contains(unlogged))
                #expect(lines(of: gateway).count == 3)
            }
        }

        private func lines(of gateway: GatewayProcess) -> [Substring] {
            gateway.output.split(separator: "\n").filter { $0.contains("Request served") }
        }
    }
}
