import Testing

@testable import FeatureStore

@Suite struct ClockCacheTests {
    @Test func storesAndReturnsValues() {
        var cache = ClockCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        #expect(cache.get("a") == 1)
        #expect(cache.get("b") == nil)
    }

    @Test func replacesExistingKeysWithoutGrowing() {
        var cache = ClockCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("a", 2)
        #expect(cache.get("a") == 2)
        #expect(cache.count == 1)
    }

    @Test func staysWithinCapacity() {
        var cache = ClockCache<Int, Int>(capacity: 100)
        for key in 0..<1000 { cache.set(key, key) }
        #expect(cache.count == 100)
    }

    @Test func evictsUnreferencedEntriesFirst() {
        var cache = ClockCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("b", 2)
        _ = cache.get("a")
        cache.set("c", 3)
        #expect(cache.get("a") == 1)
        #expect(cache.get("b") == nil)
        #expect(cache.get("c") == 3)
    }

    @Test func zeroCapacityHoldsNothing() {
        var cache = ClockCache<String, Int>(capacity: 0)
        cache.set("a", 1)
        #expect(cache.get("a") == nil)
    }
}
