import Foundation
import TestSupport
import Testing

extension ProcessTests {
    @Suite("Data capture durability")
    struct DataCaptureDurability {
        @Test(.timeLimit(.minutes(10)))
        func noRecordIsLostAcrossTenThousandRequestsFollowedBySIGTERM() async throws {
            let count = 10_000
            try await withGateway(backends: [BackendSpec(name: "model")]) { backends in
                TOML.endpoint() + TOML.variant("VariantA", backends: [backends["model"].url])
                    + TOML.capture(extra: "max_file_bytes = 262144")
            } _: { gateway, _ in
                let statuses = try await gateway.invokeMany(
                    count, concurrency: 8, body: { "\($0),0.5,\($0 % 7)" },
                    headers: { [("X-Amzn-SageMaker-Inference-Id", "r\($0)")] })
                #expect(statuses == [200: count])
                let metrics = try await gateway.metrics()
                #expect(metrics.value("mlgateway_capture_dropped_total") ?? 0 == 0)
                // SIGTERM right after the last answer: records still queued must reach the disk before the exit.
                try await gateway.terminate()
                #expect(gateway.output.contains("Capture writer stopped"))

                let destination = gateway.directory.appendingPathComponent("capture")
                let lines = try CaptureReader.lines(in: destination)
                #expect(lines.count == count)
                #expect(Set(lines.compactMap(\.inferenceID)) == Set((0..<count).map { "r\($0)" }))
                #expect(Set(lines.compactMap { $0.metadata["eventId"] as? String }).count == count)
                #expect(try CaptureReader.files(in: destination).count > 1, "262 KiB files rotate by size")
            }
        }
    }
}
