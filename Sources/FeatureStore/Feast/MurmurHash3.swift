/// MurmurHash3's 32-bit x86 variant with seed 0, as Feast's Redis online store names its hash fields with it
/// (`mmh3.hash("view:feature", signed=False)`, stored as 4 little-endian bytes).
enum MurmurHash3 {
    /// The hash of `bytes` with seed 0.
    static func hash32<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt32 {
        let c1: UInt32 = 0xcc9e_2d51
        let c2: UInt32 = 0x1b87_3593
        var hash: UInt32 = 0
        var block: UInt32 = 0
        var filled = 0
        for byte in bytes {
            block |= UInt32(byte) << (8 * UInt32(filled))
            filled += 1
            if filled == 4 {
                hash ^= mixed(block, c1, c2)
                hash = (hash << 13 | hash >> 19) &* 5 &+ 0xe654_6b64
                block = 0
                filled = 0
            }
        }
        if filled > 0 { hash ^= mixed(block, c1, c2) }
        hash ^= UInt32(truncatingIfNeeded: bytes.count)
        hash ^= hash >> 16
        hash = hash &* 0x85eb_ca6b
        hash ^= hash >> 13
        hash = hash &* 0xc2b2_ae35
        hash ^= hash >> 16
        return hash
    }

    private static func mixed(_ block: UInt32, _ c1: UInt32, _ c2: UInt32) -> UInt32 {
        let multiplied = block &* c1
        return (multiplied << 15 | multiplied >> 17) &* c2
    }

    /// Feast's hash field of `feature` in `view`: the hash of `view:feature` as 4 little-endian bytes.
    static func feastField(view: String, feature: String) -> [UInt8] {
        let hash = hash32((view + ":" + feature).utf8)
        return (0..<4).map { UInt8(truncatingIfNeeded: hash >> (8 * $0)) }
    }
}
