import Foundation
import Testing

@testable import DriftMonitor

@Suite struct KLLSketchTests {
    @Test func exactBelowK() {
        var sketch = KLLSketch()
        for value in (0..<1000).reversed() { sketch.insert(Double(value)) }
        let items = sketch.weightedItems()
        #expect(items.count == 1000)
        #expect(items.allSatisfy { $0.weight == 1 })
        #expect(sketch.quantile(0.5, items: items) == 499)
    }

    @Test func boundedMemoryAndSmallRankError() {
        var sketch = KLLSketch()
        let n = 200_000
        var generator = SeededGenerator(state: 5)
        let values = (0..<n).map { _ in Double.random(in: 0..<1, using: &generator) }
        for value in values { sketch.insert(value) }
        let items = sketch.weightedItems()
        #expect(sketch.count == n)
        #expect(items.reduce(0) { $0 + $1.weight } == n)
        #expect(items.count < 4 * KLLSketch.defaultK)
        let sorted = values.sorted()
        for q in [0.01, 0.1, 0.5, 0.9, 0.99] {
            let estimate = sketch.quantile(q, items: items) ?? -1
            let rank = Double(sorted.firstIndex { $0 >= estimate } ?? n) / Double(n)
            #expect(abs(rank - q) < 0.005)
        }
    }

    @Test func serializedLevelsRebuildTheSameSketch() {
        var sketch = KLLSketch()
        for value in 0..<10_000 { sketch.insert(Double(value % 977)) }
        let rebuilt = KLLSketch(k: sketch.k, c: sketch.c, levels: sketch.levels)
        #expect(rebuilt.count == sketch.count)
        #expect(rebuilt.weightedItems().map(\.value) == sketch.weightedItems().map(\.value))
    }
}

@Suite struct DriftMeasuresTests {
    /// The KS statistic by brute force: the largest CDF gap over all sample points.
    func bruteForceKS(_ a: [Double], _ b: [Double]) -> Double {
        var largest = 0.0
        for x in a + b {
            let left = Double(a.filter { $0 <= x }.count) / Double(a.count)
            let right = Double(b.filter { $0 <= x }.count) / Double(b.count)
            largest = max(largest, abs(left - right))
        }
        return largest
    }

    @Test func lInfinityIsTheKSStatistic() {
        var generator = SeededGenerator(state: 9)
        let a = (0..<400).map { _ in (generator.normal() * 4).rounded() }
        let b = (0..<300).map { _ in (generator.normal(mean: 0.5) * 4).rounded() }
        let distance = DriftMeasures.lInfinity(a.sorted().map { ($0, 1) }, b.sorted().map { ($0, 1) })
        #expect(abs(distance - bruteForceKS(a, b)) < 1e-12)
    }

    @Test func identicalDistributionsHaveZeroDistances() {
        let items = (0..<100).map { (Double($0), 1) }
        #expect(DriftMeasures.lInfinity(items, items) == 0)
        let shares = [0.2, 0.3, 0.5]
        #expect(DriftMeasures.psi(shares, shares) == 0)
        #expect(DriftMeasures.jensenShannon(shares, shares) == 0)
    }

    @Test func disjointDistributionsHaveMaximalDistances() {
        #expect(DriftMeasures.lInfinity([(0, 1), (1, 1)], [(5, 1), (6, 1)]) == 1)
        #expect(abs(DriftMeasures.jensenShannon([1, 0], [0, 1]) - 1) < 1e-12)
        #expect(DriftMeasures.psi([1, 0], [0, 1]) > 10)
    }

    @Test(arguments: [(0.5, 0.963_945), (1.0, 0.269_999), (1.36, 0.049_46), (2.0, 0.000_670_9)])
    func kolmogorovDistributionTail(_ lambda: Double, _ expected: Double) {
        #expect(abs(DriftMeasures.kolmogorovComplement(lambda) - expected) < 1e-4)
    }

    @Test func pValueFallsWithSampleSize() {
        let small = DriftMeasures.ksPValue(distance: 0.15, n: 30, m: 30)
        let large = DriftMeasures.ksPValue(distance: 0.15, n: 3000, m: 3000)
        #expect(small > 0.05)
        #expect(large < 1e-10)
    }
}
