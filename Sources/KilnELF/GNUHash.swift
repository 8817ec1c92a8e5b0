/// The GNU `DT_GNU_HASH` table, which glibc consults instead of `DT_HASH` when both are
/// present. Layout (ELF64): `nbuckets`, `symoffset`, `bloomSize`, `bloomShift` (4 bytes
/// each); `bloomSize` 8-byte Bloom filter words; `nbuckets` bucket words; one chain word
/// per hashed symbol. The hashed symbols are `.dynsym[symoffset...]`, sorted by bucket;
/// a bucket holds its first symbol's index, and a chain word holds that symbol's hash
/// with bit 0 replaced by "last in this bucket".
enum GNUHash {
    /// The Bernstein hash `h = h * 33 + byte`, starting at 5381, over the name's bytes.
    static func hash(_ name: [UInt8]) -> UInt32 {
        name.reduce(5381) { ($0 &* 33) &+ UInt32($1) }
    }

    static let bloomShift: UInt32 = 26

    /// The table's bytes in host order, as libelf's `ELF_T_GNUHASH` memory form. `names`
    /// are the hashed symbols' names, already in `.dynsym` order (sorted by
    /// ``bucket(of:bucketCount:)``), the first at `.dynsym` index `symbolOffset`.
    static func table(names: [[UInt8]], symbolOffset: Int, bucketCount: Int) -> [UInt8] {
        let hashes = names.map(hash)
        let bloomSize = bloomWordCount(symbols: names.count)
        var bloom = [UInt64](repeating: 0, count: bloomSize)
        var buckets = [UInt32](repeating: 0, count: bucketCount)
        var chains = [UInt32](repeating: 0, count: names.count)
        for (index, h) in hashes.enumerated() {
            let word = Int((h / 64) % UInt32(bloomSize))
            bloom[word] |= (1 << UInt64(h % 64)) | (1 << UInt64((h >> bloomShift) % 64))
            let bucket = Int(h % UInt32(bucketCount))
            precondition(
                index == 0 || bucket >= Int(hashes[index - 1] % UInt32(bucketCount)), "names not sorted by bucket")
            if buckets[bucket] == 0 { buckets[bucket] = UInt32(symbolOffset + index) }
            let isLast = index == hashes.count - 1 || Int(hashes[index + 1] % UInt32(bucketCount)) != bucket
            chains[index] = (h & ~1) | (isLast ? 1 : 0)
        }
        var bytes: [UInt8] = []
        func append<T>(_ values: [T]) { values.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        append([UInt32(bucketCount), UInt32(symbolOffset), UInt32(bloomSize), bloomShift])
        append(bloom)
        append(buckets)
        append(chains)
        return bytes
    }

    static func bucket(of name: [UInt8], bucketCount: Int) -> Int { Int(hash(name) % UInt32(bucketCount)) }

    /// About 12 filter bits per symbol, in a power-of-two number of 64-bit words.
    static func bloomWordCount(symbols: Int) -> Int {
        var words = 1
        while words * 64 < symbols * 12 { words *= 2 }
        return words
    }

    static func size(symbols: Int, bucketCount: Int) -> Int {
        16 + 8 * bloomWordCount(symbols: symbols) + 4 * bucketCount + 4 * symbols
    }
}
