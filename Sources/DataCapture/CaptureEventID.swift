import Foundation
import Synchronization

/// Event ids for capture records (`eventMetadata.eventId`): random-looking version 4 UUIDs without a system call.
///
/// Foundation's `UUID()` reads `/dev/urandom` (open, read, close) for every id, which was a visible share of a
/// captured request's cost. Here two 64-bit keys are drawn once per process, and id *n* is
/// `splitmix(key₁ + n) ‖ splitmix(key₂ + n)` with the version and variant bits set: SplitMix64's mixing function is a
/// bijection, so ids never repeat within a process, and the random keys keep processes apart. The ids are unique,
/// not secret.
enum CaptureEventID {
    private static let keys = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
    private static let counter = Atomic<UInt64>(0)

    /// The next event id.
    static func next() -> UUID {
        let n = counter.add(1, ordering: .relaxed).newValue
        let high = mix(keys.0 &+ n) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = mix(keys.1 &+ n) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { bytes in
            UUID(uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
    }

    /// SplitMix64's output function.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
