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

        @Test func aStreamedAnswerIsLoggedOnceItsStreamEnded() async throws {
            try await withGateway(
                backends: [BackendSpec(name: "s", mode: "stream", delayMilliseconds: 100)], server: "access_log = true"
            ) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["s"].url])
            } _: { gateway, _ in
                let answer = try await HTTP.request(
                    .POST, "\(gateway.url)/endpoints/demo/invocations-response-stream",
                    headers: [("Content-Type", "text/plain")], body: Array("one two three four five".utf8))
                #expect(answer.status == 200)
                try await eventually("the stream is logged") { lines(of: gateway).count == 1 }
                let line = try #require(lines(of: gateway).first)
                #expect(line.contains("http.path=/endpoints/demo/invocations-response-stream"))
                #expect(line.contains("http.status=200"))
                // The model waits 100 ms before each of its five chunks, so a duration that covers the stream is
                // at least 500 ms; one that ended at the answer's head would not.
                let duration = line.components(separatedBy: "duration_ms=").dropFirst().first?
                    .prefix { $0.isNumber || $0 == "." }
                #expect(try #require(duration.flatMap { Double($0) }) >= 500)
            }
        }

        @Test func jsonLinesCarryTheTraceKeyAndStages() async throws {
            try await withGateway(backends: [BackendSpec(name: "a")], server: "access_log = \"json\"") { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
            } _: { gateway, _ in
                let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
                let served = try await HTTP.request(
                    .POST, "\(gateway.url)/endpoints/demo/invocations",
                    headers: [("Content-Type", "text/csv"), ("traceparent", "00-\(trace)-00f067aa0ba902b7-01")],
                    body: Array("1,2,3".utf8))
                let id = try #require(served.headers.first(name: "x-amzn-RequestId"))
                #expect(try await HTTP.request(.GET, "\(gateway.url)/nowhere").status == 404)
                try await eventually("both answers are logged") { jsonLines(of: gateway).count == 2 }
                let line = try #require(jsonLines(of: gateway).first { $0["request_id"] as? String == id })
                #expect(line["trace_id"] as? String == trace)
                #expect(line["endpoint"] as? String == "demo" && line["variant"] as? String == "VariantA")
                #expect(line["status"] as? Int == 200 && line["method"] as? String == "POST")
                #expect(line["key_id"] == nil, "an open endpoint has no key")
                #expect((line["duration_ms"] as? Double ?? -1) >= 0)
                let stages = try #require(line["stages_ms"] as? [String: Double])
                #expect(Set(stages.keys).isSuperset(of: ["authenticate", "read", "route", "call model", "respond"]))
                let other = try #require(jsonLines(of: gateway).first { $0["path"] as? String == "/nowhere" })
                #expect(other["status"] as? Int == 404 && other["stages_ms"] == nil)
                #expect(lines(of: gateway).isEmpty, "no text lines")
            }
        }

        private func jsonLines(of gateway: GatewayProcess) -> [[String: Any]] {
            gateway.output.split(separator: "\n").filter { $0.hasPrefix("{\"time\":") }.compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        private func lines(of gateway: GatewayProcess) -> [Substring] {
            gateway.output.split(separator: "\n").filter { $0.contains("Request served") }
        }
    }
}
