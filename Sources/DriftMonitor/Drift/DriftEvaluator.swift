import Foundation

/// Compares current statistics with a baseline: drift measures and constraint violations.
struct DriftEvaluator {
    let baseline: Baseline
    let current: DatasetAccumulator

    /// Drift measures per baseline feature.
    func drift() -> [FeatureDrift] {
        zip(baseline.features, current.features).map { feature, accumulator in
            measure(feature, accumulator)
        }
    }

    /// The violations, feature by feature, then extra columns.
    func violations(drift: [FeatureDrift]) -> [Violation] {
        let settings = baseline.settings
        var violations: [Violation] = []
        guard current.rows > 0 else { return [] }
        for ((feature, accumulator), measures) in zip(zip(baseline.features, current.features), drift) {
            if settings.evaluateConstraints {
                if !accumulator.observed {
                    violations.append(
                        Violation(
                            featureName: feature.name, constraintCheckType: .missingColumnCheck,
                            description: "Baseline column \"\(feature.name)\" is missing from the current data"))
                    continue
                }
                violations += constraintViolations(feature, accumulator, settings)
            }
            if settings.performComparison, measures.drift, let distance = measures.distance,
                let threshold = measures.threshold
            {
                var description = "Baseline drift distance: \(format(distance)) exceeds threshold: \(format(threshold))"
                if let p = measures.ksPValue, feature.type.isNumeric {
                    description += " (\(settings.comparisonMethod.rawValue); KS p-value \(formatP(p)))"
                }
                violations.append(
                    Violation(
                        featureName: feature.name, constraintCheckType: .baselineDriftCheck, description: description))
            }
        }
        if settings.evaluateConstraints {
            violations += extraColumnViolations()
        }
        return violations
    }

    private func constraintViolations(
        _ feature: Baseline.Feature, _ accumulator: FeatureAccumulator, _ settings: MonitoringSettings
    ) -> [Violation] {
        var violations: [Violation] = []
        if feature.type != .unknown, accumulator.present > 0 {
            let share = Double(accumulator.conforming(to: feature.type)) / Double(accumulator.present)
            if share < settings.datatypeCheckThreshold {
                violations.append(
                    Violation(
                        featureName: feature.name, constraintCheckType: .dataTypeCheck,
                        description:
                            "Data type match requirement is not met. Expected data type: \(feature.type.rawValue), Expected match: \(percent(settings.datatypeCheckThreshold)). Observed: Only \(percent(share)) of data is \(feature.type.rawValue)."
                    ))
            }
        }
        if let expected = feature.completeness, accumulator.completeness < expected - 1e-9 {
            violations.append(
                Violation(
                    featureName: feature.name, constraintCheckType: .completenessCheck,
                    description:
                        "Data completeness requirement is not met. Expected: \(percent(expected)), Observed: \(percent(accumulator.completeness))"
                ))
        }
        if feature.type == .string, let domains = feature.domains, !domains.isEmpty, accumulator.present > 0 {
            let domain = Set(domains)
            let inDomain = accumulator.categories.reduce(0) { $0 + (domain.contains($1.key) ? $1.value : 0) }
            let share = Double(inDomain) / Double(accumulator.present)
            if share < settings.domainContentThreshold {
                let unknown = accumulator.categories.filter { !domain.contains($0.key) }
                    .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5).map {
                        "\"\($0.key)\""
                    }
                violations.append(
                    Violation(
                        featureName: feature.name, constraintCheckType: .categoricalValuesCheck,
                        description:
                            "Categorical values requirement is not met. Expected: \(percent(settings.domainContentThreshold)) of values in the baseline domain, Observed: \(percent(share)); unknown values include \(unknown.joined(separator: ", "))"
                    ))
            }
        }
        return violations
    }

    private func extraColumnViolations() -> [Violation] {
        var violations: [Violation] = []
        let known = baseline.features.count
        for position in known..<(known + current.extraPositions) {
            violations.append(
                Violation(
                    featureName: "_c\(position)", constraintCheckType: .extraColumnCheck,
                    description:
                        "Extra column at position \(position + 1): the current data has \(known + current.extraPositions) columns, the baseline \(known)"
                ))
        }
        for name in current.extraNames.keys.sorted() {
            violations.append(
                Violation(
                    featureName: name, constraintCheckType: .extraColumnCheck,
                    description:
                        "Extra column \"\(name)\" is not in the baseline (seen in \(current.extraNames[name] ?? 0) rows)"
                ))
        }
        return violations
    }

    private func measure(_ feature: Baseline.Feature, _ accumulator: FeatureAccumulator) -> FeatureDrift {
        let settings = baseline.settings
        var drift = FeatureDrift(
            name: feature.name, inferredType: feature.type, baselineCount: feature.presentCount, currentCount: 0,
            drift: false)
        if feature.type.isNumeric, let sketch = feature.sketch {
            drift.currentCount = accumulator.numericCount
            guard accumulator.numericCount > 0, sketch.count > 0 else { return drift }
            let baselineItems = sketch.weightedItems()
            let currentItems = accumulator.sketch.weightedItems()
            let distance = DriftMeasures.lInfinity(baselineItems, currentItems)
            let p = DriftMeasures.ksPValue(distance: distance, n: sketch.count, m: accumulator.numericCount)
            let edges = DriftMeasures.decileEdges(sketch, items: baselineItems)
            let baselineShares = DriftMeasures.binShares(baselineItems, edges: edges)
            let currentShares = DriftMeasures.binShares(currentItems, edges: edges)
            drift.distance = distance
            drift.threshold = settings.comparisonThreshold
            drift.ksPValue = p
            drift.psi = DriftMeasures.psi(baselineShares, currentShares)
            drift.jsDistance = DriftMeasures.jensenShannon(baselineShares, currentShares)
            drift.drift =
                distance > settings.comparisonThreshold
                && (settings.comparisonMethod == .simple || p < MonitoringSettings.alpha)
        } else if feature.type == .string {
            var current = accumulator.categories
            if accumulator.otherCategories > 0 {
                current[Baseline.otherCategory, default: 0] += accumulator.otherCategories
            }
            drift.currentCount = accumulator.present
            guard accumulator.present > 0, !feature.categories.isEmpty else { return drift }
            let shares = DriftMeasures.categoryShares(feature.categories, current)
            let distance = zip(shares.baseline, shares.current).reduce(0) { max($0, abs($1.0 - $1.1)) }
            drift.distance = distance
            drift.threshold = settings.categoricalComparisonThreshold
            drift.psi = DriftMeasures.psi(shares.baseline, shares.current)
            drift.jsDistance = DriftMeasures.jensenShannon(shares.baseline, shares.current)
            drift.drift = distance > settings.categoricalComparisonThreshold
        }
        return drift
    }
}

/// `0.3125` → `"0.3125"` with at most 4 decimals.
func format(_ value: Double) -> String {
    let rounded = (value * 10_000).rounded() / 10_000
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}

/// A p-value in compact scientific form when tiny.
func formatP(_ value: Double) -> String {
    value < 1e-4 ? String(format: "%.1e", value) : format(value)
}

/// `0.975` → `"97.5%"`.
func percent(_ share: Double) -> String {
    format(share * 100) + "%"
}
