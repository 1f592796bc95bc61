import Foundation
import Testing

@testable import DriftMonitor

/// A live window gives the same comparison as `monitor run` over the same rows.
@Suite struct LiveDriftWindowTests {
    /// The CSV payloads of `currentLines`, one row each.
    func payloads(shift: Double) -> [String] {
        var generator = SeededGenerator(state: 2)
        let countries = ["FR", "FR", "FR", "DE", "DE", "ES"]
        return (0..<2000).map { _ in
            let age = Int(generator.normal(mean: 40, deviation: 10).rounded())
            let score = generator.normal(mean: shift)
            return "\(age),\(score),\(countries[Int.random(in: 0..<6, using: &generator)])"
        }
    }

    @Test func sameVerdictAsMonitorRunOnTheSameRows() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        try writeCapture(try currentLines(shift: 0.6), root: workspace.capture)
        let offline = try workspace.run()
        var window = try LiveDriftWindow(baselineDirectory: workspace.baseline)
        let read = payloads(shift: 0.6).filter { window.add(payload: $0, contentType: "text/csv") }
        #expect(read.count == 2000)
        let (drift, violations) = window.evaluate()
        #expect(window.rows == 2000)
        #expect(drift.map(\.distance) == offline.features.map(\.distance))
        #expect(violations.map(\.featureName) == ["score"])
        window.reset()
        #expect(window.rows == 0)
        #expect(window.evaluate().violations.isEmpty)
    }

    @Test func jsonIsReadByNameAndOtherTypesAreIgnored() throws {
        let workspace = try Workspace(trainingCSV: trainingCSV())
        var window = try LiveDriftWindow(baselineDirectory: workspace.baseline)
        #expect(window.featureNames == ["age", "score", "country"])
        let outcomes = [
            window.add(payload: #"{"age": 41, "score": 0.3, "country": "FR"}"#, contentType: "application/json"),
            window.add(payload: "\u{0}\u{1}", contentType: "application/octet-stream"),
            window.add(payload: "{not json", contentType: "application/json"),
        ]
        #expect(outcomes == [true, false, false])
        #expect(window.rows == 1)
    }

    @Test func aMissingBaselineNamesTheDirectory() {
        let error = #expect(throws: DriftMonitorError.self) {
            try LiveDriftWindow(baselineDirectory: URL(fileURLWithPath: "/nonexistent/baseline"))
        }
        #expect(error?.message.contains("/nonexistent/baseline") == true)
    }
}
