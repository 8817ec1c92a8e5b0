/// The System V `DT_HASH` table (gABI, "Hash Table"): `nbucket`, `nchain`, the buckets,
/// then one chain entry per dynamic symbol. The dynamic loader hashes the name it looks
/// up, starts at `bucket[hash % nbucket]` and follows `chain[]` until index 0.
enum SysVHash {
    /// The gABI hash function over the name's bytes (unsigned, as the loader reads them).
    static func hash(_ name: [UInt8]) -> UInt32 {
        var h: UInt32 = 0
        for byte in name {
            h = (h << 4) &+ UInt32(byte)
            let g = h & 0xf000_0000
            if g != 0 { h ^= g >> 24 }
            h &= ~g
        }
        return h
    }

    /// The table's words for `names`, which are the dynamic symbols' names in `.dynsym`
    /// order including the null symbol at index 0 (never entered in a bucket).
    static func table(names: [[UInt8]]) -> [UInt32] {
        let bucketCount = Self.bucketCount(symbols: names.count)
        var buckets = [UInt32](repeating: 0, count: bucketCount)
        var chains = [UInt32](repeating: 0, count: names.count)
        for index in names.indices.dropFirst() {
            let bucket = Int(hash(names[index]) % UInt32(bucketCount))
            chains[index] = buckets[bucket]
            buckets[bucket] = UInt32(index)
        }
        return [UInt32(bucketCount), UInt32(names.count)] + buckets + chains
    }

    /// A prime near half the symbol count: chains of about two, and never zero buckets.
    static func bucketCount(symbols: Int) -> Int {
        let primes = [
            1, 3, 7, 17, 37, 67, 131, 263, 521, 1031, 2053, 4099, 8209, 16411, 32771, 65537, 131_101, 262_147,
            524_309, 1_048_583,
        ]
        let wanted = symbols / 2
        return primes.last { $0 <= max(wanted, 1) } ?? 1
    }
}
