import Testing

@testable import InvocationCore

@Suite("Log throttle")
struct LogThrottleTests {
    @Test func writesTheFirstLineThenOnePerIntervalWithTheCountHeldBack() {
        let throttle = LogThrottle(interval: .seconds(10))
        let start = ContinuousClock.now
        #expect(throttle.admit("backend a", now: start) == 0)
        #expect(throttle.admit("backend a", now: start + .seconds(1)) == nil)
        #expect(throttle.admit("backend a", now: start + .seconds(9)) == nil)
        #expect(throttle.admit("backend b", now: start + .seconds(9)) == 0)
        #expect(throttle.admit("backend a", now: start + .seconds(10)) == 2)
        #expect(throttle.admit("backend a", now: start + .seconds(11)) == nil)
    }
}
