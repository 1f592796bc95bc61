/// Streaming statistics of one feature: type counts, numeric moments and sketch, and (bounded) category counts.
struct FeatureAccumulator {
    /// Distinct values tracked per feature; further new values are counted together as "other" (constant memory).
    static let maxTrackedCategories = 10_000

    let name: String
    var present = 0
    var missing = 0
    /// Whether the column (CSV position or JSON field) appeared at all, even as null.
    var observed = false
    var integral = 0
    var fractional = 0
    var strings = 0
    var numericCount = 0
    var sum = 0.0
    var mean = 0.0
    var squaredDeviations = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    var sketch = KLLSketch()
    var categories: [String: Int] = [:]
    var otherCategories = 0

    init(name: String, missing: Int = 0) {
        self.name = name
        self.missing = missing
    }

    /// Adds one field value; `nil` (absent or JSON null) and blank text count as missing.
    mutating func add(_ text: String?) {
        observed = true
        guard let text else {
            missing += 1
            return
        }
        let kind = ValueKind(Substring(text))
        switch kind {
        case .missing:
            missing += 1
            return
        case .integral(let value):
            integral += 1
            addNumber(value)
        case .fractional(let value):
            fractional += 1
            addNumber(value)
        case .string:
            strings += 1
        }
        present += 1
        countCategory(text)
    }

    /// Counts one row in which this feature did not appear.
    mutating func addAbsent() {
        missing += 1
    }

    /// Model Monitor's inferred type: any string makes it String; else any fraction Fractional; else Integral.
    var inferredType: InferredType {
        if strings > 0 { return .string }
        if fractional > 0 { return .fractional }
        if integral > 0 { return .integral }
        return .unknown
    }

    /// Present / (present + missing), or 0 without rows.
    var completeness: Double {
        present + missing == 0 ? 0 : Double(present) / Double(present + missing)
    }

    /// The population standard deviation of the numeric values.
    var standardDeviation: Double {
        numericCount == 0 ? 0 : (squaredDeviations / Double(numericCount)).squareRoot()
    }

    /// Values that conform to `type` (Integral accepts integers, Fractional any number, String anything).
    func conforming(to type: InferredType) -> Int {
        switch type {
        case .integral: integral
        case .fractional: integral + fractional
        case .string, .unknown: present
        }
    }

    private mutating func addNumber(_ value: Double) {
        numericCount += 1
        sum += value
        let delta = value - mean
        mean += delta / Double(numericCount)
        squaredDeviations += delta * (value - mean)
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        sketch.insert(value)
    }

    private mutating func countCategory(_ text: String) {
        let key = text
        if let count = categories[key] {
            categories[key] = count + 1
        } else if categories.count < Self.maxTrackedCategories {
            categories[key] = 1
        } else {
            otherCategories += 1
        }
    }
}
