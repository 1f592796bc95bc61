/// A bounded map with CLOCK (second-chance) eviction, as a plain value.
///
/// A hit only sets the entry's reference bit, so reads never reorder anything (cheaper than LRU under a lock);
/// an insert into a full cache advances the hand, clearing reference bits, until it finds an unreferenced entry
/// to replace.
struct ClockCache<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        var referenced: Bool
    }

    /// Most entries held; 0 holds nothing.
    let capacity: Int
    private var slots: [Slot] = []
    private var index: [Key: Int] = [:]
    private var hand = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        index.reserveCapacity(min(self.capacity, 1 << 16))
    }

    /// The number of entries.
    var count: Int { slots.count }

    /// The value for `key`, marking it recently used.
    mutating func get(_ key: Key) -> Value? {
        guard let position = index[key] else { return nil }
        slots[position].referenced = true
        return slots[position].value
    }

    /// Inserts or replaces the value for `key`, evicting another entry when full.
    mutating func set(_ key: Key, _ value: Value) {
        guard capacity > 0 else { return }
        if let position = index[key] {
            slots[position].value = value
            slots[position].referenced = true
            return
        }
        if slots.count < capacity {
            index[key] = slots.count
            slots.append(Slot(key: key, value: value, referenced: false))
            return
        }
        while slots[hand].referenced {
            slots[hand].referenced = false
            hand = (hand + 1) % capacity
        }
        index[slots[hand].key] = nil
        slots[hand] = Slot(key: key, value: value, referenced: false)
        index[key] = hand
        hand = (hand + 1) % capacity
    }

    /// Removes every entry.
    mutating func removeAll() {
        slots.removeAll()
        index.removeAll()
        hand = 0
    }
}
