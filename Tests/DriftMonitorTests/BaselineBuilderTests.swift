import Foundation
import Testing

@testable import DriftMonitor

@Suite struct BaselineBuilderTests {
    let root: URL

    init() throws {
        root = try makeTemporaryDirectory()
    }

    func build(_ contents: String, name: String = "train.csv", dropping dropped: [String] = []) throws
        -> (BaselineSummary, StatisticsDocument, ConstraintsDocument)
    {
        let dataset = root.appendingPathComponent(name)
        try Data(contents.utf8).write(to: dataset)
        let output = root.appendingPathComponent("baseline")
        let summary = try BaselineBuilder.build(dataset: dataset, output: output, droppedColumns: dropped)
        let statistics = try JSONFiles.read(StatisticsDocument.self, from: summary.statisticsURL, what: "statistics")
        let constraints = try JSONFiles.read(
            ConstraintsDocument.self, from: summary.constraintsURL, what: "constraints")
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
        #expect(
            country.distribution.categorical.buckets == [.init(value: "FR", count: 2), .init(value: "DE", count: 1)])

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

    @Test func droppedColumnsAreLeftOut() throws {
        let (_, csv, constraints) = try build("label,age,country\n1,30,FR\n0,40,DE\n", dropping: ["label"])
        #expect(csv.features.map(\.name) == ["age", "country"])
        #expect(csv.features[0].numericalStatistics?.sum == 70)
        #expect(constraints.features.map(\.name) == ["age", "country"])
        let (_, json, _) = try build("{\"y\": 1, \"a\": 2}\n{\"a\": 3}\n", name: "train.jsonl", dropping: ["y"])
        #expect(json.features.map(\.name) == ["a"])
        #expect(throws: DriftMonitorError("dataset has no column \"target\" to drop: \(root.path)/train.csv")) {
            try build("a,b\n1,2\n", dropping: ["target"])
        }
        #expect(throws: DriftMonitorError("dataset has no field \"target\" to drop: \(root.path)/train.jsonl")) {
            try build("{\"a\": 1}\n", name: "train.jsonl", dropping: ["target"])
        }
    }

    @Test func malformedCSVIsAnErrorNamingTheLine() {
        let file = "\(root.path)/train.csv"
        #expect(throws: DriftMonitorError("dataset has a quoted field opened on line 2 that is never closed: \(file)"))
        {
            try build("a,b,c\n1,\"2,3\n4,5,6\n")
        }
        #expect(throws: DriftMonitorError("dataset line 3 has 2 fields, the header has 3: \(file)")) {
            try build("a,b,c\n1,2,3\n4,5\n6,7,8\n")
        }
        #expect(throws: DriftMonitorError("dataset line 4 has 4 fields, the header has 3: \(file)")) {
            try build("a,b,c\n\"x\ny\",2,3\n6,7,8,9\n")
        }
        #expect(throws: DriftMonitorError("dataset header repeats the column name \"a\" (positions 1 and 2): \(file)"))
        {
            try build("a,a,b\n1,2,3\n")
        }
    }

    @Test func byteOrderMarkIsNotPartOfTheFirstName() throws {
        let (_, csv, _) = try build("\u{FEFF}age,income\r\n30,1\r\n")
        #expect(csv.features.map(\.name) == ["age", "income"])
        let (_, json, _) = try build("\u{FEFF}{\"age\": 30}\n", name: "train.jsonl")
        #expect(json.features.map(\.name) == ["age"])
        #expect(json.dataset.itemCount == 1)
    }

    @Test func directoryOrJSONArrayIsAnError() throws {
        #expect(throws: DriftMonitorError("dataset is a directory, not a file: \(root.path)")) {
            try BaselineBuilder.build(dataset: root, output: root.appendingPathComponent("baseline"))
        }
        #expect(
            throws: DriftMonitorError(
                "dataset is a JSON array; write one JSON object per line (JSON Lines) instead: \(root.path)/train.json")
        ) {
            try build("[\n  {\"a\": 1}\n]\n", name: "train.json")
        }
    }
}
