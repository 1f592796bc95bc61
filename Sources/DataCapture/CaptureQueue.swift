import Foundation

/// The bounded hand-over between request handlers and the writer thread.
///
/// `offer` never waits for the writer: it takes a short lock, appends or refuses, and wakes the writer only when it
/// sleeps with nothing queued, or when it lingers and half the capacity is queued. The writer takes everything queued
/// in one swap, so the lock is never held while encoding or writing.
final class CaptureQueue: @unchecked Sendable {
    /// A record with the configuration of the endpoint it belongs to.
    struct Entry: Sendable {
        var record: CaptureRecord
        var configuration: CaptureConfiguration
    }

    /// The outcome of ``offer(_:)``.
    enum Offer: Equatable {
        case accepted
        case full
        case closed
    }

    let capacity: Int
    private let condition = NSCondition()
    private var entries: [Entry] = []
    private var closed = false
    private var writerWaiting = false
    private var writerLingering = false
    /// While lingering, the writer takes its batch early once this many entries are queued.
    private var batchLimit: Int { max(1, capacity / 2) }

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        entries.reserveCapacity(self.capacity)
    }

    /// Queues `entry` unless the queue is full or closed.
    func offer(_ entry: Entry) -> Offer {
        condition.lock()
        defer { condition.unlock() }
        if closed { return .closed }
        if entries.count >= capacity { return .full }
        entries.append(entry)
        if writerWaiting || (writerLingering && entries.count >= batchLimit) { condition.signal() }
        return .accepted
    }

    /// Waits until entries are queued, the queue is closed or `deadline` passes; once something is queued, lingers up
    /// to `linger` for more (until half the capacity is queued or the queue closes), so that a busy gateway hands
    /// over records in batches rather than waking the writer for each. Then moves every queued entry into the empty
    /// `batch`. Returns `false` only when the queue is closed and nothing is left.
    func take(into batch: inout [Entry], waitingUntil deadline: Date, linger: TimeInterval) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while entries.isEmpty, !closed {
            writerWaiting = true
            let signaled = condition.wait(until: deadline)
            writerWaiting = false
            if !signaled { return true }
        }
        if linger > 0 {
            let lingerDeadline = Date(timeIntervalSinceNow: linger)
            writerLingering = true
            while entries.count < batchLimit, !closed, condition.wait(until: lingerDeadline) {}
            writerLingering = false
        }
        if entries.isEmpty { return false }
        swap(&entries, &batch)
        return true
    }

    /// Refuses further entries and wakes the writer to drain what is queued.
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    /// The number of queued entries.
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return entries.count
    }
}
