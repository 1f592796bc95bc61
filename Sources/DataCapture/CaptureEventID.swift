import Foundation
import Synchronization

/// Event ids for capture records (`eventMetadata.eventId`): random-looking version 4 UUIDs without a system call.
///
/// Foundation's `UUID()` reads `/dev/urandom` (open, read, close) for every id, which was a visible share of a
/// captured request's cost. Here two 64-bit keys are drawn once per process, and each id is the ``SplitMix64`` mix
/// of key₁ + *s* followed by that of key₂ + *s*, for a state *s* that advances by ``SplitMix64/increment`` per id,
/// with the version and variant bits set. The mix is a bijection, so ids never repeat within a process, and the
/// random keys keep processes apart. The ids are unique, not secret.
enum CaptureEventID {
    private static let keys = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))
    private static let state = Atomic<UInt64>(0)

    /// The next event id.
    static func next() -> UUID {
        let s = state.wrappingAdd(SplitMix64.increment, ordering: .relaxed).newValue
        let high = SplitMix64.mix(keys.0 &+ s) & 0xFFFF_FFFF_FFFF_0FFF | 0x0000_0000_0000_4000
        let low = SplitMix64.mix(keys.1 &+ s) & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000
        return withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { bytes in
            UUID(
                uuid: (
                    bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                    bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
                ))
        }
    }
}
