/// `statistics.json` in Model Monitor's layout.
struct StatisticsDocument: Codable, Equatable {
    var version = 0.0
    var dataset: DatasetInfo
    var features: [FeatureStatistics]

    struct DatasetInfo: Codable, Equatable {
        var itemCount: Int
    }

    struct FeatureStatistics: Codable, Equatable {
        var name: String
        var inferredType: InferredType
        var numericalStatistics: NumericalStatistics?
        var stringStatistics: StringStatistics?

        /// Present and missing counts, whichever statistics block holds them.
        var common: CommonStatistics? { numericalStatistics?.common ?? stringStatistics?.common }
    }

    struct CommonStatistics: Codable, Equatable {
        var numPresent: Int
        var numMissing: Int
    }

    struct NumericalStatistics: Codable, Equatable {
        var common: CommonStatistics
        var mean: Double
        var sum: Double
        var stdDev: Double
        var min: Double
        var max: Double
        var distribution: NumericalDistribution
    }

    struct NumericalDistribution: Codable, Equatable {
        var kll: KLLDistribution
    }

    struct KLLDistribution: Codable, Equatable {
        var buckets: [KLLBucket]
        var sketch: SketchData
    }

    struct KLLBucket: Codable, Equatable {
        var lowerBound: Double
        var upperBound: Double
        var count: Double
    }

    struct SketchData: Codable, Equatable {
        var parameters: SketchParameters
        var data: [[Double]]
    }

    struct SketchParameters: Codable, Equatable {
        var c: Double
        var k: Double
    }

    struct StringStatistics: Codable, Equatable {
        var common: CommonStatistics
        var distinctCount: Int
        var distribution: StringDistribution
    }

    struct StringDistribution: Codable, Equatable {
        var categorical: CategoricalDistribution
    }

    struct CategoricalDistribution: Codable, Equatable {
        var buckets: [CategoricalBucket]
    }

    struct CategoricalBucket: Codable, Equatable {
        var value: String
        var count: Int
    }
}
