import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import DataCapture

@Suite struct CaptureWriterServiceTests {
    @Test func gracefulShutdownOfTheServiceGroupWritesEveryAcceptedRecord() async throws {
        let root = try makeTemporaryDirectory()
        let configuration = try makeConfiguration(root)
        let writer = CaptureWriter(queueCapacity: 20_000)
        let group = ServiceGroup(services: [writer], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        for index in 0..<10_000 {
            writer.submit(csvRecord(index), configuration: configuration)
        }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try captureLines(in: root).count == 10_000)
        #expect(writer.statistics.dropped == 0)
    }
}
