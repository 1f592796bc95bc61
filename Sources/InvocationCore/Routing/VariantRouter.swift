/// Chooses the production variant that serves a request and the shadow variants that get a copy.
///
/// A plain value type: the random numbers and the availability of each variant are passed in, so the routing
/// rules are tested without backends.
public struct VariantRouter: Sendable, Equatable {
    /// Name and weight of each production variant, in configuration order.
    public let production: [(name: String, weight: Double)]
    /// Name and copy probability of each shadow variant.
    public let shadows: [(name: String, probability: Double)]

    /// Builds the router of an endpoint.
    public init(endpoint: EndpointConfiguration) {
        let production = endpoint.productionVariants.map { (name: $0.name, weight: $0.weight) }
        let total = production.reduce(0) { $0 + $1.weight }
        self.production = production
        self.shadows = endpoint.shadowVariants.map {
            (name: $0.name, probability: total > 0 ? min(1, $0.weight / total) : 0)
        }
    }

    public static func == (lhs: VariantRouter, rhs: VariantRouter) -> Bool {
        lhs.production.elementsEqual(rhs.production) { $0 == $1 }
            && lhs.shadows.elementsEqual(rhs.shadows) { $0 == $1 }
    }

    /// Why no variant could be chosen.
    public enum Failure: Error, Equatable, Sendable {
        /// The target variant does not exist (or is a shadow variant).
        case unknownTarget(String)
        /// The target variant has no healthy backend.
        case targetUnavailable(String)
        /// No variant with weight above zero has a healthy backend.
        case noneAvailable
    }

    /// The index into ``production`` of the variant that serves the request.
    ///
    /// - Parameters:
    ///   - target: `X-Amzn-SageMaker-Target-Variant`, which bypasses the weights.
    ///   - isAvailable: whether production variant `i` has a backend that can take a request.
    ///   - random: a number in `0..<1`, drawn only when more than one variant can serve.
    public func choose(
        target: String?, isAvailable: (Int) -> Bool, random: @autoclosure () -> Double
    ) -> Result<Int, Failure> {
        if let target {
            guard let index = production.firstIndex(where: { $0.name == target }) else {
                return .failure(.unknownTarget(target))
            }
            return isAvailable(index) ? .success(index) : .failure(.targetUnavailable(target))
        }
        var total = 0.0
        var candidates: [(index: Int, weight: Double)] = []
        candidates.reserveCapacity(production.count)
        for (index, variant) in production.enumerated() where variant.weight > 0 && isAvailable(index) {
            candidates.append((index, variant.weight))
            total += variant.weight
        }
        guard total > 0 else { return .failure(.noneAvailable) }
        if candidates.count == 1 { return .success(candidates[0].index) }
        var point = random() * total
        for candidate in candidates {
            if point < candidate.weight { return .success(candidate.index) }
            point -= candidate.weight
        }
        return .success(candidates[candidates.count - 1].index)
    }

    /// Indexes into ``shadows`` of the variants that get a copy of this request.
    ///
    /// - Parameter random: yields a number in `0..<1` per shadow variant.
    public func shadowCopies(random: () -> Double) -> [Int] {
        shadows.indices.filter { shadows[$0].probability >= 1 || random() < shadows[$0].probability }
    }
}
