import Foundation
import Testing

@testable import Gateway
@testable import InvocationCore
@testable import ModelClient

@Suite("BackendSelection")
struct BackendSelectionTests {
    private let now = ContinuousClock.now
    private let settings = BackendSettings(failureThreshold: 1, unhealthyThreshold: 1)

    private func backends(_ count: Int) -> [Backend] {
        (0..<count).map { Backend(url: URL(string: "http://127.0.0.1:\(9100 + $0)")!) }
    }

    /// Takes `count` request slots on `backend`.
    private func load(_ backend: Backend, _ count: Int) {
        for _ in 0..<count { #expect(backend.acquire(now: now)) }
    }

    private func choose(_ backends: [Backend], excluding excluded: [Backend] = [], seed: UInt64 = 1) -> Backend? {
        var generator = SeededGenerator(seed: seed)
        return BackendSelection.leastOutstanding(backends, excluding: excluded, now: now, using: &generator)
    }

    @Test func picksTheBackendWithFewestRequestsInFlight() {
        let pool = backends(3)
        load(pool[0], 3)
        load(pool[1], 1)
        load(pool[2], 2)
        #expect(choose(pool) === pool[1])
    }

    @Test func skipsExcludedBackends() {
        let pool = backends(3)
        load(pool[1], 1)
        load(pool[2], 2)
        #expect(choose(pool, excluding: [pool[0]]) === pool[1])
        #expect(choose(pool, excluding: [pool[0], pool[1]]) === pool[2])
        #expect(choose(pool, excluding: pool) == nil)
    }

    @Test func skipsUnhealthyBackends() {
        let pool = backends(2)
        load(pool[1], 5)
        #expect(pool[0].recordHealthCheck(success: false, settings: settings))
        #expect(choose(pool) === pool[1])
    }

    @Test func skipsBackendsWithAnOpenCircuit() {
        let pool = backends(2)
        load(pool[1], 5)
        load(pool[0], 1)
        #expect(pool[0].release(success: false, now: now, settings: settings))
        #expect(pool[0].breakerState != .closed(failures: 0))
        #expect(choose(pool) === pool[1])
    }

    @Test func returnsNilWhenNothingIsAvailable() {
        let pool = backends(2)
        for backend in pool { _ = backend.recordHealthCheck(success: false, settings: settings) }
        #expect(choose(pool) == nil)
        #expect(choose([]) == nil)
    }

    @Test func spreadsTiesAcrossBackends() {
        let pool = backends(3)
        var generator = SeededGenerator(seed: 99)
        var counts = [ObjectIdentifier: Int]()
        for _ in 0..<3000 {
            let chosen = BackendSelection.leastOutstanding(pool, excluding: [], now: now, using: &generator)
            if let chosen { counts[ObjectIdentifier(chosen), default: 0] += 1 }
        }
        for backend in pool {
            let share = Double(counts[ObjectIdentifier(backend), default: 0]) / 3000
            #expect(abs(share - 1.0 / 3) < 0.05)
        }
    }

    @Test func releasingASlotLowersTheLoad() {
        let pool = backends(2)
        load(pool[0], 2)
        load(pool[1], 1)
        pool[0].release(success: true, now: now, settings: settings)
        pool[0].release(success: true, now: now, settings: settings)
        #expect(pool[0].outstanding == 0)
        #expect(choose(pool) === pool[0])
    }
}
