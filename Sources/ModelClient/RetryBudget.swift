/// Limits retries to a share of recent requests, so that retries cannot multiply load on a failing fleet.
///
/// Every request deposits `ratio` tokens (capped at `maxTokens`); a retry spends one. With the default ratio of 0.2,
/// at most about one request in five is retried over time, plus a small reserve for quiet periods.
public struct RetryBudget: Sendable, Equatable {
    /// Tokens each request adds.
    public let ratio: Double
    /// Upper bound of saved tokens.
    public let maxTokens: Double
    /// Tokens available now.
    public private(set) var tokens: Double

    /// Creates a budget with a full reserve.
    public init(ratio: Double = 0.2, maxTokens: Double = 10) {
        self.ratio = ratio
        self.maxTokens = maxTokens
        self.tokens = maxTokens
    }

    /// Records a request.
    public mutating func deposit() {
        tokens = min(maxTokens, tokens + ratio)
    }

    /// Takes one retry if the budget allows it.
    public mutating func withdraw() -> Bool {
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
