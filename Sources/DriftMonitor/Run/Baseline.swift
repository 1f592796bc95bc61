import Foundation

/// A baseline read back from `statistics.json` and `constraints.json`, validated.
struct Baseline {
    struct Feature {
        var name: String
        var type: InferredType
        var presentCount: Int
        var sketch: KLLSketch?
        var categories: [String: Int]
        var completeness: Double?
        var domains: [String]?
    }

    var itemCount: Int
    var features: [Feature]
    var settings: MonitoringSettings

    /// Category holding baseline values beyond the tracked ones.
    static let otherCategory = "\u{1}other"

    /// Loads the baseline in `directory`.
    /// - Throws: ``DriftMonitorError`` naming the missing file or the malformed part.
    static func load(_ directory: URL) throws(DriftMonitorError) -> Baseline {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw DriftMonitorError("baseline directory not found: \(directory.path)")
        }
        let statisticsURL = directory.appendingPathComponent("statistics.json")
        let constraintsURL = directory.appendingPathComponent("constraints.json")
        let statistics = try JSONFiles.read(StatisticsDocument.self, from: statisticsURL, what: "baseline statistics")
        let constraints = try JSONFiles.read(
            ConstraintsDocument.self, from: constraintsURL, what: "baseline constraints")
        guard !statistics.features.isEmpty else {
            throw DriftMonitorError("malformed baseline statistics \(statisticsURL.path): no features")
        }
        let settings = try MonitoringSettings(constraints.monitoringConfig, file: constraintsURL.path)
        var byName: [String: ConstraintsDocument.FeatureConstraints] = [:]
        for feature in constraints.features { byName[feature.name] = feature }
        let names = Set(statistics.features.map(\.name))
        if let unknown = constraints.features.first(where: { !names.contains($0.name) }) {
            throw DriftMonitorError(
                "malformed baseline constraints \(constraintsURL.path): feature \"\(unknown.name)\" is not in statistics.json"
            )
        }
        let features = try statistics.features.map { (feature) throws(DriftMonitorError) -> Feature in
            try Self.feature(feature, constraints: byName[feature.name], file: statisticsURL.path)
        }
        return Baseline(itemCount: statistics.dataset.itemCount, features: features, settings: settings)
    }

    private static func feature(
        _ statistics: StatisticsDocument.FeatureStatistics, constraints: ConstraintsDocument.FeatureConstraints?,
        file: String
    ) throws(DriftMonitorError) -> Feature {
        let type = constraints?.inferredType ?? statistics.inferredType
        var feature = Feature(
            name: statistics.name, type: type, presentCount: statistics.common?.numPresent ?? 0, sketch: nil,
            categories: [:], completeness: constraints?.completeness, domains: constraints?.stringConstraints?.domains)
        if type.isNumeric {
            guard let numerical = statistics.numericalStatistics else {
                throw DriftMonitorError(
                    "malformed baseline statistics \(file): feature \"\(statistics.name)\" is \(type.rawValue) but has no numerical_statistics"
                )
            }
            let sketch = numerical.distribution.kll.sketch
            guard sketch.parameters.k >= 1, sketch.parameters.c > 0, sketch.parameters.c <= 1,
                sketch.data.allSatisfy({ $0.allSatisfy(\.isFinite) })
            else {
                throw DriftMonitorError(
                    "malformed baseline statistics \(file): feature \"\(statistics.name)\" has an invalid KLL sketch")
            }
            feature.sketch = KLLSketch(k: Int(sketch.parameters.k), c: sketch.parameters.c, levels: sketch.data)
        } else if let strings = statistics.stringStatistics {
            var categories: [String: Int] = [:]
            for bucket in strings.distribution.categorical.buckets {
                categories[bucket.value, default: 0] += bucket.count
            }
            let remainder = strings.common.numPresent - categories.values.reduce(0, +)
            if remainder > 0 { categories[otherCategory] = remainder }
            feature.categories = categories
        }
        return feature
    }
}
