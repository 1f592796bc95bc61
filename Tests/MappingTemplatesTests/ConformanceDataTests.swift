import Foundation
import TestSupport
import Testing

/// A clone without `../shared/conformance` beside it skips the tests that need that data, with the reason printed;
/// under CI (`CI=true`) they run, so missing data fails them instead of hiding them (issue 23 item 11).
@Suite struct ConformanceDataTests {
    @Test func missingDataIsSkippedOutsideCIAndRequiredUnderIt() {
        let underCI = ProcessInfo.processInfo.environment["CI"] == "true"
        #expect(ConformanceData.isRequired("no-such-recording.json") == underCI)
    }

    @Test func theSkipReasonNamesThePathAndTheRule() {
        let reason = ConformanceData.skipReason("recorded.json")
        #expect(reason.hasPrefix(ConformanceData.url("recorded.json").path))
        #expect(reason.contains("../shared/conformance"))
        #expect(reason.contains("CI=true"))
    }
}
