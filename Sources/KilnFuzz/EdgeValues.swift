// The values generated code and argument tuples draw from: the ones where
// implementations differ (limits, signed/unsigned boundaries, ±0, ±inf, NaN payloads,
// subnormals, the edges of float->int conversion).

/// Edge values per type, as bit patterns.
public enum EdgeValues {
    public static let i32: [UInt32] = [
        0, 1, 2, 7, 31, 32, 33, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x1_0000,
        0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFF, 0xFFFF_FFFE, 0xFFFF_FFF0, 0xFFFF_0000,
        0x1234_5678, 0xDEAD_BEEF, 65535, 65536, 65532, 131_068,
    ]
    public static let i64: [UInt64] = [
        0, 1, 2, 31, 32, 63, 64, 65, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
        0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0x8000_0000_0000_0001,
        0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE, 0xFFFF_FFFF_8000_0000, 0x0123_4567_89AB_CDEF,
        0xFFFF_FFFF_0000_0000,
    ]
    public static let f32: [UInt32] = [
        0x0000_0000, 0x8000_0000,  // ±0
        0x3F80_0000, 0xBF80_0000, 0x3F00_0000, 0xBF00_0000, 0x3FC0_0000, 0x4020_0000,  // ±1, ±0.5, 1.5, 2.5
        0x7F80_0000, 0xFF80_0000,  // ±inf
        0x7FC0_0000, 0xFFC0_0000,  // canonical NaNs
        0x7FA0_0000, 0x7F80_0001, 0xFFC0_0001, 0x7FFF_FFFF,  // other NaN payloads (incl. signalling)
        0x0000_0001, 0x8000_0001, 0x007F_FFFF, 0x0080_0000,  // subnormals, min normal
        0x7F7F_FFFF, 0xFF7F_FFFF,  // ±max
        0x4F00_0000, 0xCF00_0000, 0x4EFF_FFFF, 0xCF00_0001, 0x4F80_0000, 0x4F7F_FFFF,  // ±2^31, 2^32 edges
        0x5F00_0000, 0xDF00_0000, 0x5F80_0000, 0xBF7F_FFFF,  // ±2^63, 2^64, -0.99..
    ]
    public static let f64: [UInt64] = [
        0x0000_0000_0000_0000, 0x8000_0000_0000_0000,
        0x3FF0_0000_0000_0000, 0xBFF0_0000_0000_0000, 0x3FE0_0000_0000_0000, 0x3FF8_0000_0000_0000,
        0x4004_0000_0000_0000, 0xC004_0000_0000_0000,
        0x7FF0_0000_0000_0000, 0xFFF0_0000_0000_0000,
        0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000,
        0x7FF4_0000_0000_0000, 0x7FF0_0000_0000_0001, 0xFFF8_0000_0000_0001, 0x7FFF_FFFF_FFFF_FFFF,
        0x0000_0000_0000_0001, 0x800F_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000,
        0x7FEF_FFFF_FFFF_FFFF, 0xFFEF_FFFF_FFFF_FFFF,
        0x41E0_0000_0000_0000, 0xC1E0_0000_0000_0000, 0x41DF_FFFF_FFC0_0000, 0xC1E0_0000_0020_0000,
        0x41F0_0000_0000_0000, 0x41EF_FFFF_FFE0_0000,  // 2^31, -2^31-1, 2^32-1 edges
        0x43E0_0000_0000_0000, 0xC3E0_0000_0000_0000, 0x43F0_0000_0000_0000, 0xBFEF_FFFF_FFFF_FFFF,
    ]

    /// The canonical NaN of each float type (positive sign).
    public static let canonicalNaN32: UInt32 = 0x7FC0_0000
    public static let canonicalNaN64: UInt64 = 0x7FF8_0000_0000_0000

    /// A random edge value of `type`, or sometimes a fully random one.
    static func bits(_ type: FuzzType, _ rng: inout FuzzRandom) -> UInt64 {
        let random = rng.chance(15)
        switch type {
        case .i32: return UInt64(random ? UInt32(truncatingIfNeeded: rng.next()) : rng.pick(i32))
        case .i64: return random ? rng.next() : rng.pick(i64)
        case .f32: return UInt64(random ? UInt32(truncatingIfNeeded: rng.next()) : rng.pick(f32))
        case .f64: return random ? rng.next() : rng.pick(f64)
        case .funcref: return 0
        }
    }

    /// The `tuple`-th argument tuple for a function with `parameters`, the same for every
    /// run and every replay (a function of the export's position and the tuple number, so a
    /// reproducer file alone determines every call the oracle makes).
    public static func arguments(for parameters: [FuzzType], export: Int, tuple: Int) -> [UInt64] {
        var rng = FuzzRandom(seed: 0x4B49_4C4E, index: UInt64(export * 16 + tuple))
        return parameters.map { t in
            tuple == 0 ? 0 : bits(t, &rng)
        }
    }
}
