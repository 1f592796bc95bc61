import Foundation
import Logging
import Synchronization
import Testing

@testable import DataCapture

@Suite struct CaptureWriterTests {
    let root: URL

    init() throws {
        root = try makeTemporaryDirectory()
    }

    @Test func tenThousandRecordsThenShutdownAreAllOnDisk() async throws {
        let configuration = try makeConfiguration(root)
        let writer = CaptureWriter(queueCapacity: 20_000)
        try await withRunningWriter(writer) { writer in
            for index in 0..<10_000 {
                #expect(writer.submit(csvRecord(index), configuration: configuration))
            }
        }
        let lines = try captureLines(in: root)
        #expect(lines.count == 10_000)
        let inputs = try Set(
            lines.map { line in
                let captureData = try #require(try parseLine(line)["captureData"] as? [String: Any])
                return try #require((captureData["endpointInput"] as? [String: String])?["data"])
            })
        #expect(inputs.count == 10_000)
        #expect(
            writer.statistics
                == CaptureStatistics(
                    accepted: 10_000, written: 10_000, bytes: lines.reduce(0) { $0 + $1.utf8.count + 1 }))
    }

    @Test func concurrentSubmittersLoseNothing() async throws {
        let configuration = try makeConfiguration(root)
        let writer = CaptureWriter(queueCapacity: 50_000)
        try await withRunningWriter(writer) { writer in
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<4 {
                    group.addTask {
                        for index in 0..<2_500 {
                            writer.submit(csvRecord(task * 10_000 + index), configuration: configuration)
                        }
                    }
                }
            }
        }
        #expect(try captureLines(in: root).count == 10_000)
        #expect(writer.statistics.dropped == 0)
    }

    @Test func layoutIsEndpointVariantAndUTCHour() async throws {
        let configuration = try makeConfiguration(root)
        let time = Date(timeIntervalSince1970: 1_795_428_672.345)  // 2026-11-23T10:11:12.345Z
        try await withRunningWriter(CaptureWriter(replicaID: "mlgateway-7f9c")) { writer in
            writer.submit(
                csvRecord(1, time: time, endpoint: "churn", variant: "AllTraffic"), configuration: configuration)
            writer.submit(csvRecord(2, time: time, endpoint: "churn", variant: "shadow"), configuration: configuration)
        }
        let files = captureFiles(in: root)
        #expect(files.count == 2)
        for (file, variant) in zip(files, ["AllTraffic", "shadow"]) {
            let components = file.split(separator: "/")
            #expect(components.dropLast().joined(separator: "/") == "churn/\(variant)/2026/11/23/10")
            let name = String(components.last ?? "")
            // SageMaker's `{mm-ss-SSS}-{unique}.jsonl`, the unique part being this replica's id and a UUID.
            #expect(name.hasPrefix("11-12-345-mlgateway-7f9c-"))
            #expect(name.hasSuffix(".jsonl"))
            #expect(UUID(uuidString: String(name.dropFirst(25).dropLast(6))) != nil)
        }
    }

    @Test func rotatesByHour() async throws {
        let configuration = try makeConfiguration(root)
        let tenOClock = Date(timeIntervalSince1970: 1_795_428_000)  // 2026-11-23T10:00:00Z
        try await withRunningWriter(CaptureWriter()) { writer in
            for minute in stride(from: 0, to: 180, by: 20) {
                writer.submit(
                    csvRecord(minute, time: tenOClock.addingTimeInterval(Double(minute) * 60)),
                    configuration: configuration)
            }
        }
        let files = captureFiles(in: root)
        #expect(files.map { $0.split(separator: "/")[5] } == ["10", "11", "12"])
        #expect(try captureLines(in: root).count == 9)
    }

    @Test func rotatesBySizeWithoutSplittingLines() async throws {
        let lineLength = csvRecord(1000).jsonLine(configuration: try makeConfiguration(root)).count
        let configuration = try makeConfiguration(root, maxFileBytes: lineLength * 3 + 1)
        try await withRunningWriter(CaptureWriter()) { writer in
            for index in 1000..<1010 { writer.submit(csvRecord(index), configuration: configuration) }
        }
        let files = captureFiles(in: root)
        #expect(files.count == 4)
        for file in files {
            let size = try #require(
                try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent(file).path)[.size] as? Int)
            #expect(size <= lineLength * 3 + 1)
        }
        #expect(try captureLines(in: root).count == 10)
    }

    @Test func aLineLargerThanTheLimitGetsItsOwnFile() async throws {
        let configuration = try makeConfiguration(root, maxFileBytes: 10)
        try await withRunningWriter(CaptureWriter()) { writer in
            for index in 0..<3 { writer.submit(csvRecord(index), configuration: configuration) }
        }
        #expect(captureFiles(in: root).count == 3)
        #expect(try captureLines(in: root).count == 3)
    }

    @Test func filesOfPastHoursAreClosedWhenIdle() async throws {
        let configuration = try makeConfiguration(root)
        let now = Mutex(Date(timeIntervalSince1970: 1_795_428_000))
        let writer = CaptureWriter(
            queueCapacity: 100, fileSystem: PosixCaptureFileSystem(), clock: { now.withLock { $0 } },
            idleInterval: 0.01,
            logger: Logger(label: "test"))
        try await withRunningWriter(writer) { writer in
            writer.submit(csvRecord(1, time: Date(timeIntervalSince1970: 1_795_428_000)), configuration: configuration)
            now.withLock { $0 = Date(timeIntervalSince1970: 1_795_431_600) }
            writer.submit(csvRecord(2, time: Date(timeIntervalSince1970: 1_795_428_001)), configuration: configuration)
        }
        #expect(try captureLines(in: root).count == 2)
    }

    @Test func dropsAreCountedWhenTheDiskStalls() async throws {
        let configuration = try makeConfiguration(root)
        let fileSystem = StalledFileSystem()
        let writer = CaptureWriter(queueCapacity: 10, fileSystem: fileSystem, logger: Logger(label: "test"))
        try await withRunningWriter(writer) { writer in
            #expect(writer.submit(csvRecord(0), configuration: configuration))
            await fileSystem.waitUntilStalled()
            let accepted = (1...25).map { writer.submit(csvRecord($0), configuration: configuration) }
            #expect(accepted == Array(repeating: true, count: 10) + Array(repeating: false, count: 15))
            #expect(writer.statistics.dropped == 15)
            #expect(writer.queue.depth == 10)
            fileSystem.release.signal()
        }
        #expect(try captureLines(in: root).count == 11)
        #expect(
            writer.statistics
                == CaptureStatistics(accepted: 11, dropped: 15, written: 11, bytes: writer.statistics.bytes))
    }

    @Test func aFailedWriteLeavesNoPartialLineAndIsCounted() async throws {
        let configuration = try makeConfiguration(root)
        let writer = CaptureWriter(
            queueCapacity: 100, fileSystem: FailingFileSystem(failAfter: 1), writeBufferBytes: 1,
            logger: Logger(label: "test"))
        try await withRunningWriter(writer) { writer in
            for index in 0..<3 { writer.submit(csvRecord(index), configuration: configuration) }
        }
        let lines = try captureLines(in: root)
        #expect(lines.count == 1)
        _ = try parseLine(try #require(lines.first))
        let statistics = writer.statistics
        #expect(statistics.accepted == 3)
        #expect(statistics.written == 1)
        #expect(statistics.dropped == 2)
        #expect(statistics.writeErrors == 2)
    }

    @Test func submitAfterShutdownIsDroppedAndCounted() async throws {
        let configuration = try makeConfiguration(root)
        let writer = CaptureWriter()
        try await withRunningWriter(writer) { _ in }
        #expect(!writer.submit(csvRecord(1), configuration: configuration))
        #expect(writer.statistics.dropped == 1)
    }

    @Test func cancellingRunStillWritesAcceptedRecords() async throws {
        let configuration = try makeConfiguration(root)
        let writer = CaptureWriter()
        for index in 0..<100 { writer.submit(csvRecord(index), configuration: configuration) }
        let running = Task { await writer.run() }
        running.cancel()
        await running.value
        #expect(try captureLines(in: root).count == 100)
    }

    @Test func neverAppendsToAnExistingFile() async throws {
        let configuration = try makeConfiguration(root)
        for round in 0..<2 {
            try await withRunningWriter(CaptureWriter()) { writer in
                writer.submit(csvRecord(round), configuration: configuration)
            }
        }
        #expect(captureFiles(in: root).count == 2)
    }

    @Test func pathComponentsCannotEscapeTheDestination() async throws {
        let configuration = try makeConfiguration(root)
        try await withRunningWriter(CaptureWriter()) { writer in
            writer.submit(csvRecord(1, endpoint: "../escape", variant: "a/b"), configuration: configuration)
        }
        #expect(captureFiles(in: root).first?.hasPrefix("_.._escape/a_b/") == true)
    }
}
