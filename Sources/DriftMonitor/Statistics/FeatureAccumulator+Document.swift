extension FeatureAccumulator {
    /// Equal-width buckets between min and max in Model Monitor's statistics.
    static let bucketCount = 10
    /// Categories written into a baseline's string domain at most; more distinct values leave the domain out.
    static let maxDomainSize = 100

    /// This feature's entry in statistics.json, typed as `type` (the data's own inferred type by default).
    func statistics(as type: InferredType? = nil) -> StatisticsDocument.FeatureStatistics {
        let type = type ?? inferredType
        let common = StatisticsDocument.CommonStatistics(numPresent: present, numMissing: missing)
        var feature = StatisticsDocument.FeatureStatistics(name: name, inferredType: type)
        if type.isNumeric {
            let hasNumbers = numericCount > 0
            feature.numericalStatistics = StatisticsDocument.NumericalStatistics(
                common: common, mean: hasNumbers ? mean : 0, sum: sum, stdDev: standardDeviation,
                min: hasNumbers ? minimum : 0, max: hasNumbers ? maximum : 0,
                distribution: .init(
                    kll: .init(
                        buckets: buckets(),
                        sketch: .init(parameters: .init(c: sketch.c, k: Double(sketch.k)), data: sketch.levels))))
        } else {
            let buckets = categories.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { StatisticsDocument.CategoricalBucket(value: $0.key, count: $0.value) }
            feature.stringStatistics = StatisticsDocument.StringStatistics(
                common: common, distinctCount: categories.count + (otherCategories > 0 ? 1 : 0),
                distribution: .init(categorical: .init(buckets: buckets)))
        }
        return feature
    }

    /// This feature's suggested constraints for a baseline.
    func constraints() -> ConstraintsDocument.FeatureConstraints {
        let type = inferredType
        var feature = ConstraintsDocument.FeatureConstraints(name: name, inferredType: type, completeness: completeness)
        if type.isNumeric {
            feature.numConstraints = .init(isNonNegative: minimum >= 0)
        } else if type == .string, otherCategories == 0, categories.count <= Self.maxDomainSize {
            feature.stringConstraints = .init(domains: categories.keys.sorted())
        }
        return feature
    }

    /// Equal-width buckets between min and max, with counts estimated from the sketch (exact while it is exact).
    private func buckets() -> [StatisticsDocument.KLLBucket] {
        guard numericCount > 0 else { return [] }
        guard maximum > minimum else {
            return [.init(lowerBound: minimum, upperBound: maximum, count: Double(numericCount))]
        }
        let width = (maximum - minimum) / Double(Self.bucketCount)
        var counts = [Double](repeating: 0, count: Self.bucketCount)
        for item in sketch.weightedItems() {
            let position = min(Self.bucketCount - 1, max(0, Int((item.value - minimum) / width)))
            counts[position] += Double(item.weight)
        }
        return counts.enumerated().map { position, count in
            let lower = minimum + Double(position) * width
            let upper = position == Self.bucketCount - 1 ? maximum : minimum + Double(position + 1) * width
            return .init(lowerBound: lower, upperBound: upper, count: count)
        }
    }
}
