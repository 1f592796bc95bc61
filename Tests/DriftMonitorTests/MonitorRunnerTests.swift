import Foundation
import Testing

@testable import DriftMonitor

@Suite struct MonitorRunnerTests {
    @Test func shiftedFeatureIsFlaggedAndUnchangedOnesAreNot() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(try currentLines(shift: 0.6), root: workspace.capture)
        let result = try workspace.run()
        #expect(result.records == 2000)
        #expect(result.rows == 2000)
        #expect(result.features.map(\.name) == ["age", "score", "country"])
        #expect(result.features.map(\.drift) == [false, true, false])
        #expect(result.violations.map(\.constraintCheckType) == [.baselineDriftCheck])
        #expect(result.violations.first?.featureName == "score")
        let score = result.features[1]
        #expect((score.distance ?? 0) > 0.2)
        #expect((score.psi ?? 0) > 0.1)
        #expect((score.ksPValue ?? 1) < 1e-6)
        for file in [result.statisticsURL, result.violationsURL, result.driftURL, result.reportURL] {
            #expect(FileManager.default.fileExists(atPath: file.path))
        }
    }

    @Test func unchangedDataHasNoViolations() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(try currentLines(), root: workspace.capture)
        let result = try workspace.run()
        #expect(result.violations.isEmpty)
        #expect(result.features.allSatisfy { $0.distance != nil && !$0.drift })
    }

    @Test func dataTypeCheck() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(
            try currentLines(rows: 200) + [
                try captureLine(data: "forty,0.1,FR"), try captureLine(data: "41.5,0.1,FR"),
            ], root: workspace.capture)
        let result = try workspace.run()
        let violation = try #require(result.violations.first { $0.constraintCheckType == .dataTypeCheck })
        #expect(violation.featureName == "age")
        #expect(violation.description.contains("Expected data type: Integral"))
    }

    @Test func completenessCheck() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(try currentLines(rows: 200) + [try captureLine(data: "40,,DE")], root: workspace.capture)
        let result = try workspace.run()
        #expect(result.violations.map(\.featureName) == ["score"])
        #expect(result.violations.map(\.constraintCheckType) == [.completenessCheck])
    }

    @Test func categoricalValuesCheck() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(try currentLines(rows: 200) + [try captureLine(data: "40,0.1,IT")], root: workspace.capture)
        let result = try workspace.run()
        let violation = try #require(result.violations.first { $0.constraintCheckType == .categoricalValuesCheck })
        #expect(violation.featureName == "country")
        #expect(violation.description.contains("\"IT\""))
    }

    @Test func categoricalDriftCheck() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        let lines = try (0..<500).map { index in
            try captureLine(data: "40,0.\(index % 10),\(index % 2 == 0 ? "ES" : "DE")")
        }
        try writeCapture(lines, root: workspace.capture)
        let result = try workspace.run()
        let country = try #require(result.features.first { $0.name == "country" })
        #expect(country.drift)
        #expect(
            result.violations.contains { $0.featureName == "country" && $0.constraintCheckType == .baselineDriftCheck })
    }

    @Test func missingColumnCheck() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(try (0..<100).map { _ in try captureLine(data: "40,0.5") }, root: workspace.capture)
        let result = try workspace.run()
        let missing = result.violations.filter { $0.constraintCheckType == .missingColumnCheck }
        #expect(missing.map(\.featureName) == ["country"])
        #expect(
            !result.violations.contains { $0.featureName == "country" && $0.constraintCheckType == .completenessCheck })
    }

    @Test func extraColumnCheckForCSVAndJSON() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        let csv = try (0..<50).map { _ in try captureLine(data: "40,0.5,FR,extra") }
        let json = try captureLine(
            data: #"{"instances": [{"age": 40, "score": 0.1, "country": "FR", "zip": "75001"}]}"#,
            contentType: "application/json", encoding: "JSON")
        try writeCapture(csv + [json], root: workspace.capture)
        let result = try workspace.run()
        let extra = result.violations.filter { $0.constraintCheckType == .extraColumnCheck }
        #expect(extra.map(\.featureName) == ["_c3", "zip"])
    }

    @Test func jsonAndBase64InputsAreReadByFieldName() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        let body =
            #"{"inputs": [{"age": 41, "score": 0.2, "country": "DE"}, {"age": 39, "score": -0.1, "country": "FR"}]}"#
        let lines = [
            try captureLine(
                data: Data(body.utf8).base64EncodedString(), contentType: "application/json", encoding: "BASE64"),
            try captureLine(
                data: #"{"age": 35, "score": 1.5, "country": "ES"}"#, contentType: "application/json", encoding: "JSON"),
            try captureLine(
                data: Data("50,0.3,FR".utf8).base64EncodedString(), contentType: "text/csv", encoding: "BASE64"),
        ]
        try writeCapture(lines, root: workspace.capture)
        let result = try workspace.run()
        #expect(result.records == 3)
        #expect(result.rows == 4)
        #expect(result.features.map(\.currentCount) == [4, 4, 4])
    }

    @Test func corruptLinesAreCountedAndTolerated() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        let corrupt = [
            "{not json", #"{"eventVersion": "0"}"#, try captureLine(data: "%%%", encoding: "BASE64"),
            try captureLine(data: "{", contentType: "application/json", encoding: "JSON"),
            try captureLine(data: "1", encoding: "ROT13"), "{\"captureData\": {\"endpointInput\": {\"da",
        ]
        try writeCapture(try currentLines(rows: 100) + corrupt, root: workspace.capture)
        let result = try workspace.run()
        #expect(result.corruptLines == 6)
        #expect(result.records == 100)
    }

    @Test func shadowRecordsAreSkippedUnlessTheirVariantIsChosen() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(try currentLines(rows: 100), root: workspace.capture)
        try writeCapture(
            try (0..<30).map { _ in try captureLine(data: "40,0.1,FR", shadowOf: "AllTraffic") },
            root: workspace.capture,
            variant: "challenger")
        let all = try workspace.run()
        #expect(all.records == 100)
        #expect(all.skippedRecords == 30)
        let shadow = try workspace.runner(variant: "challenger").run()
        #expect(shadow.records == 30)
    }

    @Test func endpointAndTimeWindowFilter() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture([try captureLine(data: "40,0.1,FR", time: "2026-11-23T10:15:00Z")], root: workspace.capture)
        try writeCapture(
            [try captureLine(data: "40,0.1,FR", time: "2026-11-23T11:45:00Z")], root: workspace.capture,
            hour: "2026/11/23/11")
        try writeCapture([try captureLine(data: "40,0.1,FR")], root: workspace.capture, endpoint: "other")
        #expect(try workspace.run().records == 3)
        #expect(try workspace.runner(endpoint: "churn").run().records == 2)
        let since = try #require(MonitorRunner.parseTimestamp("2026-11-23T11:00:00Z"))
        let windowed = try workspace.runner(endpoint: "churn", since: since).run()
        #expect(windowed.records == 1)
        #expect(windowed.files == 1)
        let until = try #require(MonitorRunner.parseTimestamp("2026-11-23T10:30:00Z"))
        #expect(try workspace.runner(endpoint: "churn", until: until).run().records == 1)
        #expect(
            throws: DriftMonitorError(
                "no captures of endpoint chrun in \(workspace.capture.path) (it has: churn, other)")
        ) {
            try workspace.runner(endpoint: "chrun").run()
        }
        #expect(throws: DriftMonitorError.self) { try workspace.runner(endpoint: "churn", variant: "Nope").run() }
    }

    @Test func robustNeedsSignificanceWhileSimpleDoesNot() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        let scores = [-1.5, -1, -0.6, -0.3, 0, 0.2, 0.5, 0.8, 1.2, 1.8].map { $0 + 0.35 }
        try writeCapture(try scores.map { try captureLine(data: "40,\($0),FR") }, root: workspace.capture)
        let robust = try workspace.run()
        let robustScore = try #require(robust.features.first { $0.name == "score" })
        #expect((robustScore.distance ?? 0) > 0.1)
        #expect((robustScore.ksPValue ?? 0) >= 0.05)
        #expect(!robustScore.drift)
        try workspace.editConstraints { document in
            var config = document["monitoring_config"] as? [String: Any] ?? [:]
            var distribution = config["distribution_constraints"] as? [String: Any] ?? [:]
            distribution["comparison_method"] = "Simple"
            config["distribution_constraints"] = distribution
            document["monitoring_config"] = config
        }
        let simple = try workspace.run()
        #expect(simple.comparisonMethod == .simple)
        #expect(simple.features.first { $0.name == "score" }?.drift == true)
    }

    @Test func progressIsReported() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(try currentLines(rows: 10), root: workspace.capture)
        try writeCapture(try currentLines(rows: 10), root: workspace.capture, hour: "2026/11/23/11")
        var reports: [MonitorProgress] = []
        _ = try workspace.runner().run { reports.append($0) }
        let last = try #require(reports.last)
        #expect(last.filesDone == 2)
        #expect(last.filesTotal == 2)
        #expect(last.records == 20)
        #expect(last.bytesDone == last.bytesTotal)
    }

    @Test func reportIsSelfContained() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(
            try currentLines(rows: 300, shift: 1) + [try captureLine(data: "<script>,x,<b>")], root: workspace.capture)
        let result = try workspace.run()
        let html = try String(contentsOf: result.reportURL, encoding: .utf8)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)
        #expect(!html.contains("<script"))
        #expect(!html.contains("src="))
        #expect(!html.contains("<link"))
        #expect(html.contains("baseline_drift_check"))
    }
}

@Suite struct MalformedBaselineTests {
    let workspace: Workspace

    init() throws {
        workspace = try Workspace(trainingCSV: trainingCSV(rows: 50))
        try writeCapture(try currentLines(rows: 5), root: workspace.capture)
    }

    func expectError(containing text: String) {
        do {
            _ = try workspace.run()
            Issue.record("expected an error containing \(text)")
        } catch {
            #expect(error.message.contains(text), "\(error.message)")
        }
    }

    @Test func missingDirectory() throws {
        try FileManager.default.removeItem(at: workspace.baseline)
        expectError(containing: "baseline directory not found")
    }

    @Test func missingConstraints() throws {
        try FileManager.default.removeItem(at: workspace.baseline.appendingPathComponent("constraints.json"))
        expectError(containing: "baseline constraints not found")
    }

    @Test func invalidJSON() throws {
        try Data("{\"version\": ".utf8).write(to: workspace.baseline.appendingPathComponent("statistics.json"))
        expectError(containing: "malformed baseline statistics")
    }

    @Test func malformedBaselineNamesTheFilesKeys() throws {
        try workspace.editStatistics { document in
            var features = document["features"] as? [[String: Any]] ?? []
            features[0]["inferred_type"] = "Boolean"
            document["features"] = features
        }
        expectError(containing: "invalid value at \"features[0].inferred_type\"")
        try workspace.editStatistics { document in
            var features = document["features"] as? [[String: Any]] ?? []
            features[0]["inferred_type"] = "Integral"
            features[0].removeValue(forKey: "numerical_statistics")
            features[0]["numerical_statistics"] = ["common": ["num_present": 1, "num_missing": 0]]
            document["features"] = features
        }
        expectError(containing: "missing \"features[0].numerical_statistics.")
    }

    @Test func numericFeatureWithoutSketch() throws {
        let url = workspace.baseline.appendingPathComponent("statistics.json")
        try Data(
            #"{"version": 0, "dataset": {"item_count": 1}, "features": [{"name": "age", "inferred_type": "Integral"}]}"#
                .utf8
        )
        .write(to: url)
        try Data(#"{"version": 0, "features": [{"name": "age"}]}"#.utf8)
            .write(to: workspace.baseline.appendingPathComponent("constraints.json"))
        expectError(containing: "feature \"age\" is Integral but has no numerical_statistics")
    }

    @Test func unknownComparisonMethod() throws {
        try workspace.editConstraints { document in
            document["monitoring_config"] = ["distribution_constraints": ["comparison_method": "Fancy"]]
        }
        expectError(containing: "comparison_method must be \"Simple\" or \"Robust\"")
    }

    @Test func missingCaptureDirectory() throws {
        try FileManager.default.removeItem(at: workspace.capture)
        expectError(containing: "capture directory not found")
    }
}
