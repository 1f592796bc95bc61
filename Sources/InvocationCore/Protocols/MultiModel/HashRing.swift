/// A consistent-hash ring: maps a key (a model name) to an ordered list of nodes (backends), so that a key stays
/// on the same node while the node set is unchanged, and adding or removing a node moves only the keys it gains or
/// loses.
///
/// Each node is placed at `virtualNodes` points of a 64-bit ring (FNV-1a, finalised with a mixer). A key's
/// preference list is the distinct nodes met walking clockwise from the key's hash.
public struct HashRing: Sendable, Equatable {
    /// The nodes, as given.
    public let nodes: [String]
    private let points: [(hash: UInt64, node: Int)]

    /// Builds the ring of `nodes`.
    public init(nodes: [String], virtualNodes: Int = 64) {
        self.nodes = nodes
        var points: [(hash: UInt64, node: Int)] = []
        points.reserveCapacity(nodes.count * virtualNodes)
        for (index, node) in nodes.enumerated() {
            for replica in 0..<virtualNodes {
                points.append((Self.hash("\(node)#\(replica)"), index))
            }
        }
        self.points = points.sorted { $0.hash < $1.hash || ($0.hash == $1.hash && $0.node < $1.node) }
    }

    public static func == (lhs: HashRing, rhs: HashRing) -> Bool {
        lhs.nodes == rhs.nodes && lhs.points.elementsEqual(rhs.points) { $0 == $1 }
    }

    /// Indexes into ``nodes``, in the order `key` should try them.
    public func preference(for key: String) -> [Int] {
        guard !points.isEmpty else { return [] }
        let hash = Self.hash(key)
        var low = 0
        var high = points.count
        while low < high {
            let middle = (low + high) / 2
            if points[middle].hash < hash { low = middle + 1 } else { high = middle }
        }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        var seen = Set<Int>()
        var index = low
        for _ in 0..<points.count where order.count < nodes.count {
            let node = points[index % points.count].node
            if seen.insert(node).inserted { order.append(node) }
            index += 1
        }
        return order
    }

    /// FNV-1a over the UTF-8 bytes, then the SplitMix64 finaliser for an even spread.
    package static func hash(_ key: String) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
