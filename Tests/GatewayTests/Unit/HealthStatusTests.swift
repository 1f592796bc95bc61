import Testing

@testable import Gateway
@testable import InvocationCore
@testable import ModelClient

@Suite("HealthStatus")
struct HealthStatusTests {
    private func record(_ outcomes: [Bool], on status: inout HealthStatus, healthy: Int = 2, unhealthy: Int = 3)
        -> [Bool]
    {
        outcomes.map { status.record(success: $0, healthyThreshold: healthy, unhealthyThreshold: unhealthy) }
    }

    @Test func startsHealthy() {
        #expect(HealthStatus().isHealthy)
    }

    @Test func becomesUnhealthyAfterTheThresholdOfConsecutiveFailures() {
        var status = HealthStatus()
        #expect(record([false, false], on: &status) == [false, false])
        #expect(status.isHealthy)
        #expect(record([false], on: &status) == [true])
        #expect(!status.isHealthy)
    }

    @Test func aSuccessInBetweenResetsTheFailureStreak() {
        var status = HealthStatus()
        #expect(record([false, false, true, false, false], on: &status) == [false, false, false, false, false])
        #expect(status.isHealthy)
    }

    @Test func becomesHealthyAgainAfterTheHealthyThreshold() {
        var status = HealthStatus()
        _ = record([false, false, false], on: &status)
        #expect(record([true], on: &status) == [false])
        #expect(!status.isHealthy)
        #expect(record([true], on: &status) == [true])
        #expect(status.isHealthy)
    }

    @Test func aFailureWhileRecoveringResetsTheSuccessStreak() {
        var status = HealthStatus()
        _ = record([false, false, false], on: &status)
        #expect(record([true, false, true], on: &status) == [false, false, false])
        #expect(!status.isHealthy)
        #expect(record([true], on: &status) == [true])
    }

    @Test func thresholdsOfOneFlipOnEveryChange() {
        var status = HealthStatus()
        #expect(
            record([false, false, true, true, false], on: &status, healthy: 1, unhealthy: 1) == [
                true, false, true, false, true,
            ])
        #expect(!status.isHealthy)
    }

    @Test func repeatedSuccessesWhileHealthyReportNoChange() {
        var status = HealthStatus()
        #expect(record(Array(repeating: true, count: 5), on: &status) == Array(repeating: false, count: 5))
        #expect(status.isHealthy)
    }
}
