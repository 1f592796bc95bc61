import NIOCore
import Testing

@testable import InvocationCore

@Suite("Shadow comparison")
struct ShadowComparisonTests {
    private func compare(_ production: String, _ shadow: String, statuses: (Int, Int) = (200, 200))
        -> ShadowComparison
    {
        ShadowComparison(
            productionStatus: statuses.0, production: ByteBuffer(string: production), shadowStatus: statuses.1,
            shadow: ByteBuffer(string: shadow))
    }

    @Test func sameBytesAgree() {
        let same = compare("0.25\n0.75\n", "0.25\n0.75\n")
        #expect(same.bodyMatch && same.structureMatch && same.agrees && same.numbersCompared == 0)
    }

    @Test func numbersAreComparedAtTheSameJSONPathsAndCSVCells() {
        let json = compare(
            #"{"predictions": [0.5, 2e-3], "model": "v2"}"#, #"{"predictions": [0.5000001, 0.002], "model": "v2"}"#)
        #expect(!json.bodyMatch && json.structureMatch && json.numbersCompared == 2)
        #expect(abs(json.maxAbsoluteDifference - 1e-7) < 1e-12)
        #expect(abs(json.maxRelativeDifference - 1e-7 / 0.5000001) < 1e-12)
        #expect(json.agrees)
        let csv = compare("1,0.5\n2,0.25\n", "1,0.5\n2,0.35\n")
        #expect(csv.structureMatch && csv.numbersCompared == 4 && !csv.agrees)
        #expect(abs(csv.maxRelativeDifference - 0.1 / 0.35) < 1e-12)
    }

    @Test func numbersInsideStringsAndWordsAreText() {
        #expect(!compare(#"{"id": "a1", "score": 1}"#, #"{"id": "a2", "score": 1}"#).structureMatch)
        #expect(!compare(#"{"v2": 1}"#, #"{"v3": 1}"#).structureMatch)
        #expect(!compare(#"{"s": "say \"1\""}"#, #"{"s": "say \"2\""}"#).structureMatch)
        #expect(compare("[1, -2.5e3]", "[1, -2.5e+3]").agrees)
    }

    @Test func statusesAndShapesDecideDisagreement() {
        let failed = compare(#"{"p": 1}"#, "", statuses: (200, 424))
        #expect(!failed.statusMatch && !failed.agrees)
        let shape = compare("[1, 2]", "[1, 2, 3]")
        #expect(!shape.structureMatch && shape.numbersCompared == 0 && !shape.agrees)
        #expect(compare("[0, 0]", "[0, -0]").maxRelativeDifference == 0)
        #expect(compare("[1]", "[-1]").maxRelativeDifference == 2)
    }

    @Test func statisticsCountAndBucketWithinFixedMemory() {
        let statistics = ShadowStatistics(endpoint: "e-\(#line)", variant: "v")
        for (production, shadow) in [("[1]", "[1]"), ("[1]", "[1.0000000005]"), ("[1]", "[2]"), ("[1]", "x")] {
            statistics.record(
                compare(production, shadow), productionLatency: .milliseconds(2), shadowLatency: .milliseconds(4))
        }
        let json = statistics.json
        #expect(json.contains(#""compared":4,"agreement_rate":0.5,"#))
        #expect(json.contains(#""structure_match_rate":0.75"#))
        #expect(json.contains(#""mean_model_latency_ms":{"production":2.0,"shadow":4.0}"#))
        #expect(json.contains(#"{"le":1e-09,"count":1}"#) && json.contains(#"{"le":1.0,"count":1}"#))
    }
}
