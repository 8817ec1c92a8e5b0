/// The checksum an artifact carries over everything the host trusts: the code, the
/// metadata, the lazy funcrefs and the table images (every section for which
/// ``covers(section:)`` holds). The compiler writes it into ``SectionName/checksum``; the
/// loader recomputes it before it maps anything and refuses a mismatch. The linear-memory
/// image is guest data (any bytes are valid there), so it stays out and load time stays
/// flat in data size. See docs/artifact-format.md: this catches accidental damage (a
/// flipped bit, a truncated copy, a mangled transfer); it is not a signature, and a file
/// made to deceive can carry a matching checksum.
///
/// The hash is Kiln's own 64-bit multiply-rotate hash over four independent lanes
/// (32 bytes a step; the same shape as XXH64 but not compatible with it): fast enough to
/// verify megabytes per millisecond, and every single-bit change reaches every bit of the
/// result.
public enum ArtifactChecksum {
    /// Identifies the hash in the section, so another algorithm can follow.
    public static let algorithm: UInt32 = 1
    /// Size of the checksum section: `u32 algorithm`, `u32 covered section count`, `u64 hash`.
    public static let sectionSize = 16

    /// Whether the section named `name` is covered.
    public static func covers(section name: String) -> Bool {
        name == SectionName.text || name == SectionName.metadata || name == SectionName.lazyFuncRefs
            || name.hasPrefix(SectionName.tableImagePrefix)
    }

    /// The checksum of the covered sections, given as (name, hash of contents) pairs in
    /// any order: they are combined in name order, each with its name.
    public static func combine(_ sections: [(name: String, contentHash: UInt64)]) -> UInt64 {
        var summary: [UInt8] = []
        for s in sections.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            summary += Array(s.name.utf8)
            summary.append(0)
            for i in 0..<8 { summary.append(UInt8(truncatingIfNeeded: s.contentHash >> (8 * UInt64(i)))) }
        }
        return summary.withUnsafeBytes { hash($0) }
    }

    /// The checksum section for an artifact whose sections (all of them, `.text`
    /// included; those not covered are skipped) have these names and contents.
    public static func section(for sections: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        var covered: [(name: String, contentHash: UInt64)] = []
        for s in sections where covers(section: s.name) {
            covered.append((s.name, s.bytes.withUnsafeBytes { hash($0) }))
        }
        return encode(hash: combine(covered), coveredSections: covered.count)
    }

    /// The section's bytes.
    public static func encode(hash: UInt64, coveredSections: Int) -> [UInt8] {
        var out: [UInt8] = []
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: algorithm >> (8 * UInt32(i)))) }
        for i in 0..<4 { out.append(UInt8(truncatingIfNeeded: UInt32(coveredSections) >> (8 * UInt32(i)))) }
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: hash >> (8 * UInt64(i)))) }
        return out
    }

    /// The stored (algorithm, covered section count, hash), nil if `bytes` is not a
    /// checksum section's size.
    public static func decode(_ bytes: [UInt8]) -> (algorithm: UInt32, coveredSections: UInt32, hash: UInt64)? {
        guard bytes.count == sectionSize else { return nil }
        func field(_ at: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in 0..<n { v |= UInt64(bytes[at + i]) << (8 * UInt64(i)) }
            return v
        }
        return (UInt32(field(0, 4)), UInt32(field(4, 4)), field(8, 8))
    }

    private static let p1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let p2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let p3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let p4: UInt64 = 0x85EB_CA77_C2B2_AE63

    @inline(__always)  // the inner step of the hot loop
    private static func round(_ lane: UInt64, _ word: UInt64) -> UInt64 {
        let v = lane &+ word &* p2
        return ((v << 31) | (v >> 33)) &* p1
    }

    /// The 64-bit hash of `bytes`.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var i = 0
        var acc: UInt64
        if n >= 32 {
            var a = p1 &+ p2, b = p2, c: UInt64 = 0, d = 0 &- p1
            while i + 32 <= n {
                a = round(a, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                b = round(b, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 8, as: UInt64.self)))
                c = round(c, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 16, as: UInt64.self)))
                d = round(d, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i + 24, as: UInt64.self)))
                i += 32
            }
            acc = ((a << 1) | (a >> 63)) &+ ((b << 7) | (b >> 57)) &+ ((c << 12) | (c >> 52)) &+ ((d << 18) | (d >> 46))
            acc = (acc ^ round(0, a)) &* p1 &+ p4
            acc = (acc ^ round(0, b)) &* p1 &+ p4
            acc = (acc ^ round(0, c)) &* p1 &+ p4
            acc = (acc ^ round(0, d)) &* p1 &+ p4
        } else {
            acc = p3
        }
        acc = acc &+ UInt64(n)
        while i + 8 <= n {
            acc ^= round(0, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            acc = ((acc << 27) | (acc >> 37)) &* p1 &+ p4
            i += 8
        }
        while i < n {
            acc ^= UInt64(bytes[i]) &* p3
            acc = ((acc << 11) | (acc >> 53)) &* p1
            i += 1
        }
        acc ^= acc >> 33
        acc = acc &* p2
        acc ^= acc >> 29
        acc = acc &* p3
        acc ^= acc >> 32
        return acc
    }
}
