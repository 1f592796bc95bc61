/// Streaming statistics of a tabular dataset whose rows arrive by position (CSV) or by field name (JSON).
struct DatasetAccumulator {
    /// Extra field names remembered for the extra-column check.
    static let maxExtraNames = 100

    private(set) var features: [FeatureAccumulator]
    private var index: [String: Int]
    /// Whether unseen field names become new features (baselines from JSON Lines) or extra columns (monitoring).
    let growable: Bool
    private(set) var rows = 0
    /// The largest number of positional values seen in one row.
    private(set) var widestRow = 0
    private(set) var extraNames: [String: Int] = [:]

    init(featureNames: [String], growable: Bool) {
        features = featureNames.map { FeatureAccumulator(name: $0) }
        index = Dictionary(featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        self.growable = growable
    }

    /// Adds a row whose value `i` belongs to feature `i`.
    mutating func addPositional(_ values: [String?]) {
        rows += 1
        widestRow = max(widestRow, values.count)
        for position in features.indices {
            if position < values.count {
                features[position].add(values[position])
            } else {
                features[position].addAbsent()
            }
        }
    }

    /// Adds a row of named values; features the row lacks count as missing.
    mutating func addNamed(_ values: [(String, String?)]) {
        var seen = [Bool](repeating: false, count: features.count)
        for (name, value) in values {
            if let position = index[name] {
                guard !seen[position] else { continue }
                seen[position] = true
                features[position].add(value)
            } else if growable {
                index[name] = features.count
                features.append(FeatureAccumulator(name: name, missing: rows))
                seen.append(true)
                features[features.count - 1].add(value)
            } else if extraNames[name] != nil || extraNames.count < Self.maxExtraNames {
                extraNames[name, default: 0] += 1
            }
        }
        for position in seen.indices where !seen[position] {
            features[position].addAbsent()
        }
        rows += 1
    }

    /// Column positions beyond the known features that some positional row had.
    var extraPositions: Int { max(0, widestRow - features.count) }
}
