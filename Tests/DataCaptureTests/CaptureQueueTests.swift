import Foundation
import Synchronization
import Testing

@testable import DataCapture

@Suite(.timeLimit(.minutes(1)))
struct CaptureQueueTests {
    let configuration: CaptureConfiguration

    init() throws {
        configuration = try makeConfiguration(try makeTemporaryDirectory())
    }

    func entry(_ index: Int) -> CaptureQueue.Entry {
        CaptureQueue.Entry(record: csvRecord(index), configuration: configuration)
    }

    /// Runs `take` with an hour-long linger on a thread of its own and returns what it took.
    func take(from queue: CaptureQueue) async -> (kept: Bool, count: Int) {
        await withCheckedContinuation { continuation in
            Thread {
                var batch: [CaptureQueue.Entry] = []
                let kept = queue.take(into: &batch, waitingUntil: .distantFuture, linger: 3600)
                continuation.resume(returning: (kept, batch.count))
            }.start()
        }
    }

    @Test func aLingeringWriterTakesItsBatchOnceHalfTheCapacityIsQueued() async {
        let queue = CaptureQueue(capacity: 4)
        async let taken = take(from: queue)
        #expect(queue.offer(entry(1)) == .accepted)
        #expect(queue.offer(entry(2)) == .accepted)
        let result = await taken
        #expect(result.kept)
        #expect(result.count == 2)
    }

    @Test func closingReleasesALingeringWriterWithWhatIsQueued() async {
        let queue = CaptureQueue(capacity: 100)
        async let taken = take(from: queue)
        #expect(queue.offer(entry(1)) == .accepted)
        while queue.depth == 0 { await Task.yield() }
        queue.close()
        let result = await taken
        #expect(result.kept)
        #expect(result.count == 1)
        #expect(queue.offer(entry(2)) == .closed)
    }

    @Test func eventIDsAreDistinctVersion4UUIDs() {
        var seen = Set<UUID>()
        for _ in 0..<10_000 {
            let id = CaptureEventID.next()
            #expect(seen.insert(id).inserted)
            let bytes = id.uuid
            #expect(bytes.6 >> 4 == 4)
            #expect(bytes.8 >> 6 == 0b10)
        }
    }
}
