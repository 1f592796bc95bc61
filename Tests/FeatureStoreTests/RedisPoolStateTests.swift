import NIOCore
import Testing

@testable import FeatureStore

@Suite struct RedisPoolStateTests {
    private typealias State = RedisPoolState<String>
    private let now = NIODeadline.uptimeNanoseconds(1_000_000_000)

    private func makeState(size: Int = 2, growThreshold: Int = 2) -> State {
        State(
            configuration: .init(
                size: size, backoffBase: .milliseconds(100), backoffMax: .seconds(1), growThreshold: growThreshold))
    }

    private func connectOf(_ action: State.LeaseAction) -> State.Connect? {
        if case .connectAndWait(let connect) = action { return connect }
        return nil
    }

    private func leaseOf(_ action: State.LeaseAction) -> (State.Lease, State.Connect?)? {
        if case .use(let lease, let grow) = action { return (lease, grow) }
        return nil
    }

    @Test func firstLeaseConnectsAndOthersWait() throws {
        var state = makeState()
        let first = try #require(connectOf(state.lease(now: now)))
        guard case .wait = state.lease(now: now) else {
            Issue.record("expected wait")
            return
        }
        let accepted = state.connected(first, connection: "c1")
        #expect(accepted)
        let (lease, grow) = try #require(leaseOf(state.lease(now: now)))
        #expect(lease.connection == "c1")
        #expect(grow == nil)
    }

    @Test func picksTheLeastLoadedConnectionAndGrowsUnderLoad() throws {
        var state = makeState(growThreshold: 2)
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connected(first, connection: "c1")
        _ = try #require(leaseOf(state.lease(now: now)))
        _ = try #require(leaseOf(state.lease(now: now)))
        let (_, grow) = try #require(leaseOf(state.lease(now: now)))
        let second = try #require(grow)
        #expect(second.slot != first.slot)
        _ = state.connected(second, connection: "c2")
        let (next, _) = try #require(leaseOf(state.lease(now: now)))
        #expect(next.connection == "c2")
    }

    @Test func releaseLowersTheLoad() throws {
        var state = makeState(size: 1)
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connected(first, connection: "c1")
        let (lease, _) = try #require(leaseOf(state.lease(now: now)))
        state.release(lease)
        guard case .ready(_, _, let inFlight) = state.slots[0] else {
            Issue.record("not ready")
            return
        }
        #expect(inFlight == 0)
    }

    @Test func failedConnectBacksOffAndFailsFast() throws {
        var state = makeState(size: 1)
        let first = try #require(connectOf(state.lease(now: now)))
        let action = state.connectFailed(first, error: .connectionClosed, now: now)
        #expect(action == .fail(.connectionClosed))
        guard case .fail(.unavailable) = state.lease(now: now + .milliseconds(50)) else {
            Issue.record("expected fail fast during backoff")
            return
        }
        let retry = state.lease(now: now + .milliseconds(100))
        #expect(connectOf(retry) != nil)
    }

    @Test func backoffAppliesToEverySlot() throws {
        var state = makeState(size: 3)
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connectFailed(first, error: .connectionClosed, now: now)
        guard case .fail = state.lease(now: now + .milliseconds(99)) else {
            Issue.record("an idle slot must not connect during the backoff")
            return
        }
    }

    @Test func backoffDoublesUpToTheMaximum() {
        let state = makeState()
        #expect(state.backoff(failures: 1) == .milliseconds(100))
        #expect(state.backoff(failures: 2) == .milliseconds(200))
        #expect(state.backoff(failures: 4) == .milliseconds(800))
        #expect(state.backoff(failures: 5) == .seconds(1))
        #expect(state.backoff(failures: 500) == .seconds(1))
    }

    @Test func successResetsTheBackoff() throws {
        var state = makeState(size: 1)
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connectFailed(first, error: .connectionClosed, now: now)
        let second = try #require(connectOf(state.lease(now: now + .seconds(1))))
        let accepted = state.connected(second, connection: "c")
        #expect(accepted)
        #expect(state.consecutiveFailures == 0)
    }

    @Test func closedConnectionReconnectsOnNextLease() throws {
        var state = makeState(size: 1)
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connected(first, connection: "c1")
        state.closed(slot: first.slot, id: first.id)
        let again = state.lease(now: now)
        #expect(connectOf(again) != nil)
    }

    @Test func staleEventsAreIgnored() throws {
        var state = makeState(size: 1)
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connected(first, connection: "c1")
        state.closed(slot: first.slot, id: first.id + 99)
        #expect(state.readyCount == 1)
        let acceptedAgain = state.connected(first, connection: "again")
        #expect(!acceptedAgain)
    }

    @Test func failedGrowConnectLetsWaitersUseTheReadyConnection() throws {
        var state = makeState(size: 2, growThreshold: 0)
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connected(first, connection: "c1")
        let (_, grow) = try #require(leaseOf(state.lease(now: now)))
        let second = try #require(grow)
        let action = state.connectFailed(second, error: .connectionClosed, now: now)
        #expect(action == .retry)
        let (next, _) = try #require(leaseOf(state.lease(now: now)))
        #expect(next.connection == "c1")
    }

    @Test func onlyOneConnectRunsAtATime() throws {
        var state = makeState(size: 2, growThreshold: 0)
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connected(first, connection: "c1")
        let (_, grow) = try #require(leaseOf(state.lease(now: now)))
        #expect(grow != nil)
        state.closed(slot: first.slot, id: first.id)
        guard case .wait = state.lease(now: now) else {
            Issue.record("expected wait")
            return
        }
    }

    @Test func shutdownReturnsOpenConnectionsAndFailsLeases() throws {
        var state = makeState()
        let first = try #require(connectOf(state.lease(now: now)))
        _ = state.connected(first, connection: "c1")
        let open = state.shutdown()
        #expect(open == ["c1"])
        guard case .fail(.shutdown) = state.lease(now: now) else {
            Issue.record("expected shutdown")
            return
        }
    }
}
