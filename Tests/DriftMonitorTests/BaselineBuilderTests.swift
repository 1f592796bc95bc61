import Foundation
import Testing

@testable import DriftMonitor

@Suite struct BaselineBuilderTests {
    let root: URL

    init() throws {
        root = try makeTemporaryDirectory()
    }

    func build(_ contents: String, name: String = "train.csv") throws -> (BaselineSummary, StatisticsDocument, ConstraintsDocument) {
        let dataset = root.appendingPathComponent(name)
        try Data(contents.utf8).write(to: dataset)
        let output = root.appendingPathComponent("baseline")
        let summary = try BaselineBuilder.build(dataset: dataset, output: output)
        let statistics = try JSONFiles.read(StatisticsDocument.self, from: summary.statisticsURL, what: "statistics")
        let constraints = try JSONFiles.read(ConstraintsDocument.self, from: summary.constraintsURL, what: "constraints")
        return (summary, statistics, constraints)
    }

    @Test func csvTypesCompletenessAndConstraints() throws {
        let (summary, statistics, constraints) = try build("age,score,country,empty\n30,1.5,FR,\n40,-2,DE,\n,3,FR,\n")
        #expect(summary.itemCount == 3)
        #expect(statistics.dataset.itemCount == 3)
        #expect(statistics.features.map(\.inferredType) == [.integral, .fractional, .string, .unknown])
        let age = try #require(statistics.features[0].numericalStatistics)
        #expect(age.common == .init(numPresent: 2, numMissing: 1))
        #expect(age.sum == 70)
        #expect(age.mean == 35)
        #expect(age.stdDev == 5)
        #expect(age.min == 30)
        #expect(age.max == 40)
        #expect(age.distribution.kll.buckets.reduce(0) { $0 + $1.count } == 2)
        #expect(age.distribution.kll.sketch.parameters == .init(c: 0.64, k: 2048))
        #expect(age.distribution.kll.sketch.data == [[30, 40]])
        let country = try #require(statistics.features[2].stringStatistics)
        #expect(country.distinctCount == 2)
        #expect(country.distribution.categorical.buckets == [.init(value: "FR", count: 2), .init(value: "DE", count: 1)])

        #expect(constraints.features.map(\.completeness) == [2.0 / 3, 1, 1, 0])
        #expect(constraints.features[0].numConstraints?.isNonNegative == true)
        #expect(constraints.features[1].numConstraints?.isNonNegative == false)
        #expect(constraints.features[2].stringConstraints?.domains == ["DE", "FR"])
        #expect(constraints.monitoringConfig == ConstraintsDocument.defaultMonitoringConfig)
    }

    @Test func jsonLinesBaselineByFieldName() throws {
        let (summary, statistics, _) = try build(
            "{\"a\": 1, \"b\": \"x\"}\n{\"b\": \"y\", \"c\": 2.5}\nnot json\n\n", name: "train.jsonl")
        #expect(summary.itemCount == 2)
        #expect(summary.corruptLines == 1)
        #expect(statistics.features.map(\.name) == ["a", "b", "c"])
        #expect(statistics.features.map { $0.common?.numMissing } == [1, 0, 1])
    }

    @Test func missingDatasetIsAnError() {
        #expect(throws: DriftMonitorError("dataset not found: /nonexistent/train.csv")) {
            try BaselineBuilder.build(dataset: URL(fileURLWithPath: "/nonexistent/train.csv"), output: root)
        }
    }

    @Test func datasetWithoutRowsIsAnError() {
        #expect(throws: DriftMonitorError.self) { try build("a,b\n") }
        #expect(throws: DriftMonitorError.self) { try build("") }
    }
}
