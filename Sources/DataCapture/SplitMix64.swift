/// SplitMix64 (Steele, Lea and Flood), the generator behind capture sampling and event ids: a 64-bit state advanced
/// by ``increment`` and passed through ``mix(_:)``. The increment is odd and `mix` is a bijection of `UInt64`, so a
/// state that starts anywhere yields 2⁶⁴ distinct outputs before it repeats. Fast and uniform, not cryptographic.
enum SplitMix64 {
    /// The state's step (the golden ratio, odd).
    static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The output function.
    static func mix(_ state: UInt64) -> UInt64 {
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
