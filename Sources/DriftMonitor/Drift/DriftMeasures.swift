import Foundation

/// Distances between a baseline and a current distribution.
enum DriftMeasures {
    /// Floor for empty bins in PSI (as is customary, so empty bins do not make it infinite).
    static let psiFloor = 1e-4

    /// The largest difference between the two weighted empirical CDFs: the two-sample Kolmogorov–Smirnov statistic.
    static func lInfinity(_ baseline: [(value: Double, weight: Int)], _ current: [(value: Double, weight: Int)])
        -> Double
    {
        let baselineTotal = Double(baseline.reduce(0) { $0 + $1.weight })
        let currentTotal = Double(current.reduce(0) { $0 + $1.weight })
        guard baselineTotal > 0, currentTotal > 0 else { return 0 }
        var i = 0
        var j = 0
        var baselineCumulative = 0
        var currentCumulative = 0
        var distance = 0.0
        while i < baseline.count || j < current.count {
            let value = min(
                i < baseline.count ? baseline[i].value : .infinity, j < current.count ? current[j].value : .infinity)
            while i < baseline.count, baseline[i].value == value {
                baselineCumulative += baseline[i].weight
                i += 1
            }
            while j < current.count, current[j].value == value {
                currentCumulative += current[j].weight
                j += 1
            }
            distance = max(
                distance, abs(Double(baselineCumulative) / baselineTotal - Double(currentCumulative) / currentTotal))
        }
        return distance
    }

    /// The asymptotic p-value of the two-sample KS test for statistic `distance` with sample sizes `n` and `m`
    /// (Kolmogorov distribution with Stephens' small-sample correction, as in Numerical Recipes).
    static func ksPValue(distance: Double, n: Int, m: Int) -> Double {
        guard n > 0, m > 0 else { return 1 }
        let effective = (Double(n) * Double(m) / Double(n + m)).squareRoot()
        return kolmogorovComplement((effective + 0.12 + 0.11 / effective) * distance)
    }

    /// Q_KS(λ) = P(K > λ) for the Kolmogorov distribution.
    static func kolmogorovComplement(_ lambda: Double) -> Double {
        guard lambda > 0 else { return 1 }
        if lambda < 1.18 {
            let y = exp(-1.233_700_550_136_169_8 / (lambda * lambda))
            let cdf = 2.506_628_274_631 / lambda * (y + pow(y, 9) + pow(y, 25) + pow(y, 49))
            return min(1, max(0, 1 - cdf))
        }
        let x = exp(-2 * lambda * lambda)
        return min(1, max(0, 2 * (x - pow(x, 4) + pow(x, 9))))
    }

    /// Bin edges at the baseline's deciles (duplicates removed).
    static func decileEdges(_ baseline: KLLSketch, items: [(value: Double, weight: Int)]) -> [Double] {
        var edges: [Double] = []
        for decile in 1...9 {
            if let edge = baseline.quantile(Double(decile) / 10, items: items), edge != edges.last {
                edges.append(edge)
            }
        }
        return edges
    }

    /// The share of weight in each bin `(-∞, e0], (e0, e1], …, (e_last, ∞)`.
    static func binShares(_ items: [(value: Double, weight: Int)], edges: [Double]) -> [Double] {
        var counts = [Double](repeating: 0, count: edges.count + 1)
        var total = 0.0
        for item in items {
            var low = 0
            var high = edges.count
            while low < high {
                let middle = (low + high) / 2
                if item.value <= edges[middle] { high = middle } else { low = middle + 1 }
            }
            counts[low] += Double(item.weight)
            total += Double(item.weight)
        }
        return total > 0 ? counts.map { $0 / total } : counts
    }

    /// Population Stability Index Σ (q − p) ln(q / p), with empty bins floored.
    static func psi(_ baseline: [Double], _ current: [Double]) -> Double {
        zip(baseline, current).reduce(0) { sum, pair in
            let p = max(pair.0, psiFloor)
            let q = max(pair.1, psiFloor)
            return sum + (q - p) * log(q / p)
        }
    }

    /// Jensen–Shannon distance (square root of the base-2 divergence), in 0…1.
    static func jensenShannon(_ baseline: [Double], _ current: [Double]) -> Double {
        var divergence = 0.0
        for (p, q) in zip(baseline, current) {
            let m = (p + q) / 2
            if p > 0 { divergence += 0.5 * p * log2(p / m) }
            if q > 0 { divergence += 0.5 * q * log2(q / m) }
        }
        return max(0, divergence).squareRoot()
    }

    /// Category shares over the union of categories, in a common order.
    static func categoryShares(_ baseline: [String: Int], _ current: [String: Int]) -> (
        keys: [String], baseline: [Double], current: [Double]
    ) {
        let keys = Set(baseline.keys).union(current.keys).sorted()
        let baselineTotal = Double(baseline.values.reduce(0, +))
        let currentTotal = Double(current.values.reduce(0, +))
        let p = keys.map { baselineTotal > 0 ? Double(baseline[$0] ?? 0) / baselineTotal : 0 }
        let q = keys.map { currentTotal > 0 ? Double(current[$0] ?? 0) / currentTotal : 0 }
        return (keys, p, q)
    }
}
