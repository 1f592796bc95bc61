import Foundation

/// A KLL quantile sketch (Karnin, Lang, Liberty 2016) with Model Monitor's parameters (k = 2048, c = 0.64).
///
/// Level `h` holds items of weight 2^h; a full level is sorted and every other item (random offset) is promoted,
/// so memory stays about k / (1 − c) items for any stream while rank error stays around 1/k. Until level 0 first
/// fills (k items), the sketch is exact. The compaction offsets come from a fixed-seed generator, so the same
/// input always gives the same sketch.
struct KLLSketch: Equatable {
    static let defaultK = 2048
    static let defaultC = 0.64

    let k: Int
    let c: Double
    private(set) var levels: [[Double]]
    private(set) var count: Int
    private var size = 0
    private var maxSize = 0
    private var random: UInt64 = 0x2545_F491_4F6C_DD1D

    init(k: Int = KLLSketch.defaultK, c: Double = KLLSketch.defaultC) {
        self.k = max(k, 8)
        self.c = min(max(c, 0.5), 1)
        levels = [[]]
        count = 0
        maxSize = capacity(level: 0)
    }

    /// Rebuilds a sketch from its serialized levels (`sketch.data` in statistics.json).
    init(k: Int, c: Double, levels: [[Double]]) {
        self.init(k: k, c: c)
        self.levels = levels.isEmpty ? [[]] : levels
        count = self.levels.enumerated().reduce(0) { $0 + $1.element.count << $1.offset }
        size = self.levels.reduce(0) { $0 + $1.count }
        maxSize = (0..<self.levels.count).reduce(0) { $0 + capacity(level: $1) }
        while size >= maxSize { compress() }
    }

    static func == (lhs: KLLSketch, rhs: KLLSketch) -> Bool {
        lhs.k == rhs.k && lhs.c == rhs.c && lhs.levels == rhs.levels
    }

    /// Adds one value.
    mutating func insert(_ value: Double) {
        levels[0].append(value)
        count += 1
        size += 1
        if size >= maxSize { compress() }
    }

    /// The stored items with their weights, sorted by value.
    func weightedItems() -> [(value: Double, weight: Int)] {
        var items: [(value: Double, weight: Int)] = []
        items.reserveCapacity(size)
        for (level, values) in levels.enumerated() {
            for value in values { items.append((value, 1 << level)) }
        }
        items.sort { $0.value < $1.value }
        return items
    }

    /// The estimated value at rank fraction `q` (0…1).
    func quantile(_ q: Double, items: [(value: Double, weight: Int)]) -> Double? {
        guard !items.isEmpty else { return nil }
        let target = q * Double(count)
        var cumulative = 0
        for item in items {
            cumulative += item.weight
            if Double(cumulative) >= target { return item.value }
        }
        return items.last?.value
    }

    private func capacity(level: Int) -> Int {
        let depth = levels.count - level - 1
        return max(2, Int((pow(c, Double(depth)) * Double(k)).rounded(.up)))
    }

    private mutating func compress() {
        for level in 0..<levels.count where levels[level].count >= capacity(level: level) {
            if level + 1 == levels.count {
                levels.append([])
                maxSize = (0..<levels.count).reduce(0) { $0 + capacity(level: $1) }
            }
            compact(level)
            size = levels.reduce(0) { $0 + $1.count }
            return
        }
        maxSize = max(maxSize, size + 1)
    }

    private mutating func compact(_ level: Int) {
        var values = levels[level]
        values.sort()
        let kept: Double? = values.count % 2 == 1 ? values.removeLast() : nil
        let offset = Int(nextRandom() & 1)
        var promoted: [Double] = []
        promoted.reserveCapacity(values.count / 2)
        var index = offset
        while index < values.count {
            promoted.append(values[index])
            index += 2
        }
        levels[level + 1].append(contentsOf: promoted)
        levels[level] = kept.map { [$0] } ?? []
    }

    private mutating func nextRandom() -> UInt64 {
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        return random
    }
}
