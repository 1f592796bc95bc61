import Testing

@testable import Gateway
@testable import InvocationCore

@Suite("VariantRouter")
struct VariantRouterTests {
    private let allAvailable: (Int) -> Bool = { _ in true }

    private func router(_ variants: [(name: String, weight: Double, shadow: Bool)]) -> VariantRouter {
        VariantRouter(endpoint: TestConfigurations.endpoint(variants))
    }

    private func shares(
        of router: VariantRouter, draws: Int = 20_000, seed: UInt64 = 42, isAvailable: (Int) -> Bool = { _ in true }
    ) -> [Double] {
        var generator = SeededGenerator(seed: seed)
        var counts = Array(repeating: 0, count: router.production.count)
        for _ in 0..<draws {
            if case .success(let index) = router.choose(target: nil, isAvailable: isAvailable, random: generator.unit())
            {
                counts[index] += 1
            }
        }
        return counts.map { Double($0) / Double(draws) }
    }

    @Test func productionAndShadowVariantsAreSeparated() {
        let router = router([("A", 1, false), ("S", 1, true), ("B", 2, false)])
        #expect(router.production.map { $0.name } == ["A", "B"])
        #expect(router.production.map { $0.weight } == [1, 2])
        #expect(router.shadows.map { $0.name } == ["S"])
    }

    @Test func equalWeightsGiveEqualShares() {
        let shares = shares(of: router([("A", 1, false), ("B", 1, false)]))
        #expect(abs(shares[0] - 0.5) < 0.02)
        #expect(abs(shares[1] - 0.5) < 0.02)
    }

    @Test(arguments: [[3.0, 1.0], [1.0, 2.0, 7.0], [0.5, 0.25, 0.25]])
    func sharesFollowWeightOverSum(weights: [Double]) {
        let router = router(weights.enumerated().map { ("V\($0.offset)", $0.element, false) })
        let shares = shares(of: router)
        let total = weights.reduce(0, +)
        for (index, weight) in weights.enumerated() {
            #expect(abs(shares[index] - weight / total) < 0.02, "variant \(index): \(shares[index])")
        }
    }

    @Test func randomPointMapsToCumulativeWeights() {
        let router = router([("A", 3, false), ("B", 1, false)])
        #expect(router.choose(target: nil, isAvailable: allAvailable, random: 0) == .success(0))
        #expect(router.choose(target: nil, isAvailable: allAvailable, random: 0.74) == .success(0))
        #expect(router.choose(target: nil, isAvailable: allAvailable, random: 0.76) == .success(1))
        #expect(router.choose(target: nil, isAvailable: allAvailable, random: 0.999_999) == .success(1))
    }

    @Test func targetVariantBypassesWeights() {
        let router = router([("A", 1000, false), ("B", 1, false)])
        for random in [0.0, 0.5, 0.99] {
            #expect(router.choose(target: "B", isAvailable: allAvailable, random: random) == .success(1))
        }
    }

    @Test func weightZeroVariantGetsNoRandomTraffic() {
        let router = router([("A", 1, false), ("Zero", 0, false)])
        let shares = shares(of: router, draws: 5_000)
        #expect(shares[1] == 0)
        #expect(shares[0] == 1)
    }

    @Test func weightZeroVariantCanBeTargeted() {
        let router = router([("A", 1, false), ("Zero", 0, false)])
        #expect(router.choose(target: "Zero", isAvailable: allAvailable, random: 0.3) == .success(1))
    }

    @Test func allWeightsZeroMeansNoneAvailable() {
        let router = router([("A", 0, false), ("B", 0, false)])
        #expect(router.choose(target: nil, isAvailable: allAvailable, random: 0.3) == .failure(.noneAvailable))
    }

    @Test func unknownTargetIsReported() {
        let router = router([("A", 1, false)])
        #expect(router.choose(target: "Nope", isAvailable: allAvailable, random: 0) == .failure(.unknownTarget("Nope")))
    }

    @Test func targetNameIsCaseSensitive() {
        let router = router([("VariantA", 1, false)])
        #expect(
            router.choose(target: "varianta", isAvailable: allAvailable, random: 0)
                == .failure(.unknownTarget("varianta")))
    }

    @Test func shadowVariantCannotBeTargeted() {
        let router = router([("A", 1, false), ("Shadow", 1, true)])
        #expect(
            router.choose(target: "Shadow", isAvailable: allAvailable, random: 0) == .failure(.unknownTarget("Shadow")))
    }

    @Test func unavailableVariantIsSkipped() {
        let router = router([("A", 1, false), ("B", 1, false), ("C", 2, false)])
        let shares = shares(of: router, isAvailable: { $0 != 2 })
        #expect(shares[2] == 0)
        #expect(abs(shares[0] - 0.5) < 0.02)
        #expect(abs(shares[1] - 0.5) < 0.02)
    }

    @Test func noAvailableVariantFails() {
        let router = router([("A", 1, false), ("B", 1, false)])
        #expect(router.choose(target: nil, isAvailable: { _ in false }, random: 0.5) == .failure(.noneAvailable))
    }

    @Test func onlyWeightZeroVariantAvailableFails() {
        let router = router([("A", 1, false), ("Zero", 0, false)])
        #expect(router.choose(target: nil, isAvailable: { $0 == 1 }, random: 0.5) == .failure(.noneAvailable))
    }

    @Test func unavailableTargetFails() {
        let router = router([("A", 1, false), ("B", 1, false)])
        #expect(router.choose(target: "B", isAvailable: { $0 != 1 }, random: 0) == .failure(.targetUnavailable("B")))
    }

    @Test func shadowProbabilityIsWeightOverProductionSum() {
        let router = router([("A", 1, false), ("B", 3, false), ("Half", 2, true), ("Tenth", 0.4, true)])
        #expect(router.shadows.map { $0.probability } == [0.5, 0.1])
    }

    @Test func shadowProbabilityIsCappedAtOne() {
        let router = router([("A", 1, false), ("Big", 5, true)])
        #expect(router.shadows.map { $0.probability } == [1])
    }

    @Test func shadowProbabilityIsZeroWithoutProductionWeight() {
        let router = router([("A", 0, false), ("S", 1, true)])
        #expect(router.shadows.map { $0.probability } == [0])
    }

    @Test func fullShadowAlwaysGetsACopyWithoutDrawing() {
        let router = router([("A", 1, false), ("S", 1, true)])
        var draws = 0
        let copies = router.shadowCopies {
            draws += 1
            return 0.999
        }
        #expect(copies == [0])
        #expect(draws == 0)
    }

    @Test func partialShadowFollowsTheDraw() {
        let router = router([("A", 2, false), ("S", 1, true)])
        #expect(router.shadowCopies { 0.49 } == [0])
        #expect(router.shadowCopies { 0.51 } == [])
    }

    @Test func partialShadowShareIsStatisticallyRight() {
        let router = router([("A", 4, false), ("S", 1, true), ("T", 2, true)])
        var generator = SeededGenerator(seed: 7)
        var counts = [0, 0]
        let draws = 20_000
        for _ in 0..<draws {
            for index in router.shadowCopies(random: { generator.unit() }) { counts[index] += 1 }
        }
        #expect(abs(Double(counts[0]) / Double(draws) - 0.25) < 0.02)
        #expect(abs(Double(counts[1]) / Double(draws) - 0.5) < 0.02)
    }

    @Test func endpointWithoutShadowsSendsNoCopies() {
        let router = router([("A", 1, false)])
        #expect(router.shadowCopies { 0 } == [])
    }
}
