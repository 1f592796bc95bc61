import Testing

@testable import Gateway
@testable import InvocationCore
@testable import ModelClient

@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    private let start = ContinuousClock.now
    private let openDuration = Duration.seconds(10)

    private func failures(_ count: Int, on breaker: inout CircuitBreaker, threshold: Int = 3) -> [Bool] {
        (0..<count).map { _ in breaker.recordFailure(now: start, threshold: threshold, openDuration: openDuration) }
    }

    @Test func startsClosedAndLetsCallsThrough() {
        var breaker = CircuitBreaker()
        #expect(breaker.state == .closed(failures: 0))
        #expect(breaker.isAvailable(now: start))
        let allowed1 = breaker.acquire(now: start)
        #expect(allowed1)
        let allowed2 = breaker.acquire(now: start)
        #expect(allowed2)
    }

    @Test func countsConsecutiveFailuresBelowTheThreshold() {
        var breaker = CircuitBreaker()
        #expect(failures(2, on: &breaker) == [false, false])
        #expect(breaker.state == .closed(failures: 2))
        let allowed3 = breaker.acquire(now: start)
        #expect(allowed3)
    }

    @Test func opensAtTheThreshold() {
        var breaker = CircuitBreaker()
        #expect(failures(3, on: &breaker) == [false, false, true])
        #expect(breaker.state == .open(until: start + openDuration))
    }

    @Test func thresholdOfOneOpensOnTheFirstFailure() {
        var breaker = CircuitBreaker()
        #expect(failures(1, on: &breaker, threshold: 1) == [true])
        #expect(breaker.state == .open(until: start + openDuration))
    }

    @Test func successResetsTheFailureCount() {
        var breaker = CircuitBreaker()
        _ = failures(2, on: &breaker)
        breaker.recordSuccess()
        #expect(breaker.state == .closed(failures: 0))
        #expect(failures(2, on: &breaker) == [false, false])
        #expect(breaker.state == .closed(failures: 2))
    }

    @Test func openCircuitRefusesCallsUntilTheDurationHasPassed() {
        var breaker = CircuitBreaker()
        _ = failures(3, on: &breaker)
        let almost = start + openDuration - .milliseconds(1)
        #expect(!breaker.isAvailable(now: almost))
        let allowed4 = breaker.acquire(now: almost)
        #expect(!allowed4)
        #expect(breaker.state == .open(until: start + openDuration))
    }

    @Test func expiredOpenCircuitIsAvailableWithoutTakingTheProbe() {
        var breaker = CircuitBreaker()
        _ = failures(3, on: &breaker)
        let later = start + openDuration
        #expect(breaker.isAvailable(now: later))
        #expect(breaker.state == .open(until: later))
    }

    @Test func expiredOpenCircuitLetsExactlyOneProbeThrough() {
        var breaker = CircuitBreaker()
        _ = failures(3, on: &breaker)
        let later = start + openDuration + .seconds(1)
        let allowed5 = breaker.acquire(now: later)
        #expect(allowed5)
        #expect(breaker.state == .halfOpen)
        let allowed6 = breaker.acquire(now: later)
        #expect(!allowed6)
        #expect(!breaker.isAvailable(now: later))
    }

    @Test func successfulProbeClosesTheCircuit() {
        var breaker = CircuitBreaker()
        _ = failures(3, on: &breaker)
        let allowed7 = breaker.acquire(now: start + openDuration)
        #expect(allowed7)
        breaker.recordSuccess()
        #expect(breaker.state == .closed(failures: 0))
        let allowed8 = breaker.acquire(now: start + openDuration)
        #expect(allowed8)
    }

    @Test func failedProbeOpensTheCircuitAgainFromNow() {
        var breaker = CircuitBreaker()
        _ = failures(3, on: &breaker)
        let probeTime = start + openDuration + .seconds(2)
        let allowed9 = breaker.acquire(now: probeTime)
        #expect(allowed9)
        let allowed10 = breaker.recordFailure(now: probeTime, threshold: 3, openDuration: openDuration)
        #expect(allowed10)
        #expect(breaker.state == .open(until: probeTime + openDuration))
        let allowed11 = breaker.acquire(now: probeTime + .seconds(1))
        #expect(!allowed11)
    }

    @Test func lateFailureWhileOpenExtendsTheOpenPeriod() {
        var breaker = CircuitBreaker()
        _ = failures(3, on: &breaker)
        let late = start + .seconds(4)
        let allowed12 = breaker.recordFailure(now: late, threshold: 3, openDuration: openDuration)
        #expect(allowed12)
        #expect(breaker.state == .open(until: late + openDuration))
    }
}
