import Testing

@testable import Gateway
@testable import InvocationCore
@testable import ModelClient

@Suite("RetryBudget")
struct RetryBudgetTests {

    @Test func startsWithAFullReserve() {
        let budget = RetryBudget(ratio: 0.2, maxTokens: 10)
        #expect(budget.tokens == 10)
    }

    @Test func reserveAllowsThatManyRetries() {
        var budget = RetryBudget(ratio: 0.2, maxTokens: 3)
        let grants = (0..<4).map { _ in budget.withdraw() }
        #expect(grants == [true, true, true, false])
        #expect(budget.tokens == 0)
    }

    @Test func depositsAreCappedAtTheMaximum() {
        var budget = RetryBudget(ratio: 0.5, maxTokens: 2)
        for _ in 0..<10 { budget.deposit() }
        #expect(budget.tokens == 2)
    }

    @Test func requestsEarnRetriesAtTheRatio() {
        var budget = RetryBudget(ratio: 0.25, maxTokens: 1)
        let granted1 = budget.withdraw()
        #expect(granted1)
        let granted2 = budget.withdraw()
        #expect(!granted2)
        for _ in 0..<3 { budget.deposit() }
        let granted3 = budget.withdraw()
        #expect(!granted3)
        budget.deposit()
        let granted4 = budget.withdraw()
        #expect(granted4)
        let granted5 = budget.withdraw()
        #expect(!granted5)
    }

    @Test func steadyFailuresAreRetriedAtMostAtTheRatio() {
        var budget = RetryBudget(ratio: 0.2, maxTokens: 10)
        var retries = 0
        for _ in 0..<1000 {
            budget.deposit()
            if budget.withdraw() { retries += 1 }
        }
        #expect(retries <= 1000 / 5 + 10)
        #expect(retries >= 1000 / 5 - 1)
    }
}
