import Synchronization

/// Trace and request ids: UUID version 4 strings, as HighLevel's are.
///
/// They name requests in logs and error bodies and guard nothing, so they need to be unique, not unguessable. Each
/// one is a counter (started at a random value) run through SplitMix64's finaliser, a bijection: no two ids of a
/// process repeat, ids of two processes collide with negligible probability, and making one costs an atomic add
/// instead of a `getrandom` system call per id, which showed up at 5% of the hot path's profile.
enum TraceID {
    private static let counter = Atomic<UInt64>(.random(in: .min ... .max))
    private static let hex = Array("0123456789abcdef".utf8)

    static func make() -> String {
        let base = counter.wrappingAdd(2, ordering: .relaxed).oldValue
        var high = mix(base)
        var low = mix(base &+ 1)
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000  // version 4
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000  // RFC 4122 variant
        let hex = Self.hex
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int) {
                var shift = (nibbles - 1) * 4
                while shift >= 0 {
                    buffer[position] = hex[Int((value >> UInt64(shift)) & 0xF)]
                    position += 1
                    shift -= 4
                }
            }
            func dash() {
                buffer[position] = UInt8(ascii: "-")
                position += 1
            }
            put(high >> 32, nibbles: 8)
            dash()
            put((high >> 16) & 0xFFFF, nibbles: 4)
            dash()
            put(high & 0xFFFF, nibbles: 4)
            dash()
            put(low >> 48, nibbles: 4)
            dash()
            put(low & 0xFFFF_FFFF_FFFF, nibbles: 12)
            return position
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
