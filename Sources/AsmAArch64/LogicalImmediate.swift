/// The `N:immr:imms` fields of a logical (bitmask) immediate: a 2-, 4-, 8-, 16-, 32- or
/// 64-bit element holding one rotated run of ones, replicated across the register.
/// Only such values fit `and`/`orr`/`eor`/`ands` immediates; 0 and all-ones never do.
public struct LogicalImmediate: Hashable, Sendable {
    public let n: UInt8
    public let immr: UInt8
    public let imms: UInt8

    /// The encoding of `value` as a `width`-bit logical immediate, nil if it has none.
    /// For `.w` only the low 32 bits of `value` count.
    public init?(_ value: UInt64, width: Width) {
        var v = value
        if width == .w {
            v &= 0xFFFF_FFFF
            v |= v << 32
        }
        if v == 0 || v == ~0 { return nil }
        // The smallest element size whose copies make up the value.
        var size = 64
        while size > 2 {
            let half = size / 2
            let mask: UInt64 = (1 << UInt64(half)) - 1
            if v & mask != (v >> UInt64(half)) & mask { break }
            size = half
        }
        let mask: UInt64 = size == 64 ? ~0 : (1 << UInt64(size)) - 1
        let elem = v & mask
        let ones = elem.nonzeroBitCount
        // Rotate the element right until its run of ones sits at the bottom; the
        // rotation that undoes that is `immr`.
        let run: UInt64 = (1 << UInt64(ones)) - 1
        var rotation = -1
        var e = elem
        for k in 0..<size {
            if e == run {
                rotation = k
                break
            }
            e = (e >> 1 | e << UInt64(size - 1)) & mask
        }
        if rotation < 0 { return nil }
        n = size == 64 ? 1 : 0
        immr = UInt8((size - rotation) % size)
        imms = UInt8((~(size * 2 - 1) & 0x3F) | (ones - 1))
    }

    /// The 13 bits `N:immr:imms` in place (bits 22, 21-16, 15-10).
    @inlinable var fields: UInt32 { UInt32(n) << 22 | UInt32(immr) << 16 | UInt32(imms) << 10 }
}

extension Assembler {
    /// Whether `value` (its low 32 bits for `.w`) is a logical immediate of `width`.
    public static func canEncodeLogicalImmediate(_ value: UInt64, width: Width) -> Bool {
        LogicalImmediate(value, width: width) != nil
    }

    /// Whether `value` fits an `add`/`sub` immediate: 12 bits, optionally shifted left by 12.
    public static func canEncodeAddSubImmediate(_ value: UInt64) -> Bool {
        value < 4096 || (value & 0xFFF == 0 && value >> 12 < 4096)
    }
}
