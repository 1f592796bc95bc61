import Foundation
import TestSupport
import Testing

extension ProcessTests {
    @Suite("Data capture")
    struct Capture {
        private static var inferenceTime: Regex<Substring> { /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/ }
        private static var fileName: Regex<Substring> {
            // {mm-ss-SSS}-{replica id}-{uuid}.jsonl
            /^\d{2}-\d{2}-\d{3}-[A-Za-z0-9._-]{1,63}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl$/
        }

        /// Checks the SageMaker fields of one side of a record.
        private func expectPayload(
            _ payload: [String: Any]?, mode: String, contentType: String, data: String, encoding: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(
                payload?.keys.sorted() == ["data", "encoding", "mode", "observedContentType"],
                sourceLocation: sourceLocation)
            #expect(payload?["mode"] as? String == mode, sourceLocation: sourceLocation)
            #expect(payload?["observedContentType"] as? String == contentType, sourceLocation: sourceLocation)
            #expect(payload?["data"] as? String == data, sourceLocation: sourceLocation)
            #expect(payload?["encoding"] as? String == encoding, sourceLocation: sourceLocation)
        }

        @Test func recordsFollowSageMakersFormatAndLayout() async throws {
            try await withGateway(backends: [BackendSpec(name: "model"), BackendSpec(name: "echo", mode: "echo")]) {
                backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["model"].url]) + TOML.capture()
                    + TOML.endpoint("raw") + TOML.variant("Echo", backends: [backends["echo"].url]) + TOML.capture()
            } _: { gateway, _ in
                var answers: [String: String] = [:]
                for index in 0..<3 {
                    let response = try await gateway.invoke(
                        body: "\(index),2.5,3", headers: [("X-Amzn-SageMaker-Inference-Id", "csv-\(index)")])
                    #expect(response.status == 200)
                    answers["csv-\(index)"] = response.text
                }
                let anonymous = try await gateway.invoke(body: "9,9,9")
                let json = try await gateway.invoke(
                    body: #"{"instances": [[1, 2]]}"#, contentType: "application/json",
                    headers: [("X-Amzn-SageMaker-Inference-Id", "json-0")])
                let binary = try await gateway.invoke(
                    "raw", body: "\u{1}\u{2}npy", contentType: "application/x-npy",
                    headers: [("X-Amzn-SageMaker-Inference-Id", "bin-0")])
                let statuses: [Int] = [anonymous.status, json.status, binary.status]
                #expect(statuses == [200, 200, 200])
                try await eventually("the records are written") {
                    try await gateway.metrics().value(
                        "mlgateway_capture_records_total", ["endpoint": "demo", "variant": "VariantA"]) == 5
                }
                try await gateway.terminate()

                let lines = try CaptureReader.lines(in: gateway.directory.appendingPathComponent("capture"))
                #expect(lines.count == 6)
                for line in lines {
                    #expect(line.path.count == 7)
                    #expect(line.json.keys.sorted() == ["captureData", "eventMetadata", "eventVersion"])
                    #expect(line.json["eventVersion"] as? String == "0")
                    #expect(line.captureData.keys.sorted() == ["endpointInput", "endpointOutput"])
                    let time = try #require(line.metadata["inferenceTime"] as? String)
                    #expect(time.wholeMatch(of: Self.inferenceTime) != nil)
                    let hour = [
                        String(time.prefix(4)), String(time.dropFirst(5).prefix(2)),
                        String(time.dropFirst(8).prefix(2)),
                        String(time.dropFirst(11).prefix(2)),
                    ]
                    #expect(Array(line.path[2..<6]) == hour, "the hour directory is the record's UTC hour")
                    #expect(line.path[6].wholeMatch(of: Self.fileName) != nil, "\(line.path[6])")
                    #expect(UUID(uuidString: line.metadata["eventId"] as? String ?? "") != nil)
                    #expect(line.shadowOf == nil)
                }
                #expect(Set(lines.compactMap { $0.metadata["eventId"] as? String }).count == 6)
                let byID = Dictionary(lines.compactMap { line in line.inferenceID.map { ($0, line) } }) { first, _ in
                    first
                }
                for index in 0..<3 {
                    let line = try #require(byID["csv-\(index)"])
                    #expect(line.endpoint == "demo" && line.variant == "VariantA")
                    #expect(line.metadata.keys.sorted() == ["eventId", "inferenceId", "inferenceTime"])
                    expectPayload(
                        line.input, mode: "INPUT", contentType: "text/csv", data: "\(index),2.5,3", encoding: "CSV")
                    expectPayload(
                        line.output, mode: "OUTPUT", contentType: "text/csv", data: answers["csv-\(index)"] ?? "",
                        encoding: "CSV")
                }
                let withoutID = lines.filter { $0.inferenceID == nil }
                #expect(withoutID.count == 1)
                #expect(withoutID.first?.metadata.keys.sorted() == ["eventId", "inferenceTime"])
                #expect(withoutID.first?.input?["data"] as? String == "9,9,9")
                let jsonLine = try #require(byID["json-0"])
                expectPayload(
                    jsonLine.input, mode: "INPUT", contentType: "application/json", data: #"{"instances": [[1, 2]]}"#,
                    encoding: "JSON")
                expectPayload(
                    jsonLine.output, mode: "OUTPUT", contentType: "application/json", data: json.text, encoding: "JSON")
                let binaryLine = try #require(byID["bin-0"])
                #expect(binaryLine.endpoint == "raw" && binaryLine.variant == "Echo")
                let encoded = Data("\u{1}\u{2}npy".utf8).base64EncodedString()
                expectPayload(
                    binaryLine.input, mode: "INPUT", contentType: "application/x-npy", data: encoded, encoding: "BASE64"
                )
                expectPayload(
                    binaryLine.output, mode: "OUTPUT", contentType: "application/x-npy", data: encoded,
                    encoding: "BASE64")
            }
        }

        @Test func capturesWhatTheModelSawAndAnsweredAroundTheTemplates() async throws {
            try await withGateway(backends: [BackendSpec(name: "model")]) { backends in
                """
                [[endpoint]]
                name = "demo"

                [[endpoint.request_template]]
                content_type = "application/json"
                file = "\(RepositoryTemplates.path("json-to-csv.vtl"))"
                output_content_type = "text/csv"

                [[endpoint.response_template]]
                content_type = "application/json"
                file = "\(RepositoryTemplates.path("csv-to-json.vtl"))"

                """ + TOML.variant("VariantA", backends: [backends["model"].url]) + TOML.capture()
            } _: { gateway, _ in
                let response = try await gateway.invoke(
                    body: #"{"instances": [[1, 2, 3], [4, 5, 6]]}"#, contentType: "application/json",
                    headers: [("Accept", "application/json"), ("X-Amzn-SageMaker-Inference-Id", "templated")])
                #expect(response.status == 200)
                #expect(response.headers.first(name: "Content-Type") == "application/json")
                try await gateway.terminate()

                let lines = try CaptureReader.lines(in: gateway.directory.appendingPathComponent("capture"))
                let line = try #require(lines.first)
                #expect(lines.count == 1)
                #expect(line.inferenceID == "templated")
                expectPayload(
                    line.input, mode: "INPUT", contentType: "text/csv", data: "1,2,3\n4,5,6\n", encoding: "CSV")
                expectPayload(
                    line.output, mode: "OUTPUT", contentType: "text/csv", data: "0.880797\n0.993307", encoding: "CSV")
            }
        }

        @Test func shadowCopiesAreCapturedUnderTheirVariantAndMarked() async throws {
            try await withGateway(backends: [BackendSpec(name: "a"), BackendSpec(name: "s")]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["a"].url])
                    + TOML.variant("Shadow", backends: [backends["s"].url], shadow: true) + TOML.capture()
            } _: { gateway, _ in
                let statuses = try await gateway.invokeMany(
                    20, concurrency: 4, body: { "\($0),1,1" },
                    headers: { [("X-Amzn-SageMaker-Inference-Id", "id-\($0)")] })
                #expect(statuses == [200: 20])
                try await eventually("production and shadow records are written") {
                    let metrics = try await gateway.metrics()
                    return metrics.value("mlgateway_capture_records_total", ["variant": "VariantA"]) == 20
                        && metrics.value("mlgateway_capture_records_total", ["variant": "Shadow"]) == 20
                }
                try await gateway.terminate()

                let lines = try CaptureReader.lines(in: gateway.directory.appendingPathComponent("capture"))
                let production = lines.filter { $0.variant == "VariantA" }
                let shadow = lines.filter { $0.variant == "Shadow" }
                #expect(production.count == 20 && shadow.count == 20)
                #expect(production.allSatisfy { $0.shadowOf == nil })
                #expect(shadow.allSatisfy { $0.shadowOf == "VariantA" })
                #expect(Set(shadow.compactMap(\.inferenceID)) == Set((0..<20).map { "id-\($0)" }))
                let productionInputs = Dictionary(
                    production.map { ($0.inferenceID ?? "", $0.input?["data"] as? String) }
                ) { a, _ in a }
                for line in shadow {
                    #expect(line.input?["data"] as? String == productionInputs[line.inferenceID ?? ""] ?? nil)
                }
            }
        }

        @Test func samplingEnabledAndCaptureOptionsArePerEndpoint() async throws {
            try await withGateway(backends: [BackendSpec(name: "model")]) { backends in
                let variant = TOML.variant("VariantA", backends: [backends["model"].url])
                return TOML.endpoint("sampled") + variant + TOML.capture(sampling: 25)
                    + TOML.endpoint("off") + variant + TOML.capture(extra: "enabled = false")
                    + TOML.endpoint("inputs") + variant + TOML.capture(extra: "capture = [\"input\"]")
                    + TOML.endpoint("elsewhere") + variant + TOML.capture(destination: "other", sampling: 0)
            } _: { gateway, _ in
                #expect(try await gateway.invokeMany(800, endpoint: "sampled") == [200: 800])
                #expect(try await gateway.invokeMany(50, endpoint: "off") == [200: 50])
                #expect(try await gateway.invokeMany(10, endpoint: "inputs") == [200: 10])
                #expect(try await gateway.invokeMany(50, endpoint: "elsewhere") == [200: 50])
                try await gateway.terminate()

                let lines = try CaptureReader.lines(in: gateway.directory.appendingPathComponent("capture"))
                let sampled = lines.filter { $0.endpoint == "sampled" }.count
                // 800 draws at 25 %: mean 200, standard deviation 12.2; the range is about five deviations wide.
                #expect((140...260).contains(sampled), "\(sampled) of 800 sampled at 25 %")
                #expect(!lines.contains { $0.endpoint == "off" })
                let inputs = lines.filter { $0.endpoint == "inputs" }
                #expect(inputs.count == 10)
                #expect(inputs.allSatisfy { $0.input != nil && $0.output == nil })
                #expect(inputs.allSatisfy { $0.captureData.keys.sorted() == ["endpointInput"] })
                #expect(try CaptureReader.files(in: gateway.directory.appendingPathComponent("other")).isEmpty)
            }
        }
    }
}
