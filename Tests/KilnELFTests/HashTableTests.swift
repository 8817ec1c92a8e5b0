import Testing

@testable import KilnELF

/// `.hash` and `.gnu.hash` find every exported name when walked the way a loader walks
/// them (glibc only uses `.gnu.hash`, so `.hash` is checked here by hand).
@Suite struct HashTableTests {
    @Test func hashFunctionsMatchPublishedValues() {
        #expect(SysVHash.hash(Array("printf".utf8)) == 0x0779_05a6)
        #expect(SysVHash.hash(Array("exit".utf8)) == 0x0006_cf04)
        #expect(SysVHash.hash([]) == 0)
        #expect(GNUHash.hash(Array("printf".utf8)) == 0x156b_2bb8)
        #expect(GNUHash.hash(Array("exit".utf8)) == 0x7c96_7e3f)
        #expect(GNUHash.hash([]) == 5381)
    }

    @Test(arguments: NamedImage.all)
    func everyExportIsFoundThroughBothTables(_ fixture: NamedImage) throws {
        let file = try DynamicTables(try writeSharedObject(fixture.image))
        for index in 1..<file.symbolCount {
            let name = file.name(ofSymbol: index)
            let viaSysV = try #require(file.lookUpSysV(name), "\(name) not in .hash")
            let viaGNU = try #require(file.lookUpGNU(name), "\(name) not in .gnu.hash")
            // Duplicated names may resolve to any entry with the same bytes.
            #expect(file.name(ofSymbol: viaSysV) == name)
            #expect(file.name(ofSymbol: viaGNU) == name)
        }
        #expect(file.lookUpSysV(Array("absent".utf8)) == nil)
        #expect(file.lookUpGNU(Array("absent".utf8)) == nil)
    }
}

/// The dynamic symbol table and both hash tables of a written file, read from its bytes.
private struct DynamicTables {
    let bytes: [UInt8]
    let hash: Int, gnuHash: Int, dynsym: Int, dynstr: Int
    let symbolCount: Int

    init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        let elf = ParsedELF(bytes)
        hash = Int(try #require(elf.section(".hash")).offset)
        gnuHash = Int(try #require(elf.section(".gnu.hash")).offset)
        let dynsymSection = try #require(elf.section(".dynsym"))
        dynsym = Int(dynsymSection.offset)
        dynstr = Int(try #require(elf.section(".dynstr")).offset)
        symbolCount = Int(dynsymSection.size / 24)
    }

    func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
    func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }

    func name(ofSymbol index: Int) -> [UInt8] {
        var at = dynstr + Int(u32(dynsym + 24 * index))
        var name: [UInt8] = []
        while bytes[at] != 0 {
            name.append(bytes[at])
            at += 1
        }
        return name
    }

    func lookUpSysV(_ name: [UInt8]) -> Int? {
        let bucketCount = u32(hash)
        let buckets = hash + 8
        let chains = buckets + 4 * Int(bucketCount)
        var index = Int(u32(buckets + 4 * Int(SysVHash.hash(name) % bucketCount)))
        while index != 0 {
            if self.name(ofSymbol: index) == name { return index }
            index = Int(u32(chains + 4 * index))
        }
        return nil
    }

    func lookUpGNU(_ name: [UInt8]) -> Int? {
        let h = GNUHash.hash(name)
        let bucketCount = u32(gnuHash)
        let symbolOffset = Int(u32(gnuHash + 4))
        let bloomSize = u32(gnuHash + 8)
        let shift = u32(gnuHash + 12)
        let bloomWord = u64(gnuHash + 16 + 8 * Int((h / 64) % bloomSize))
        let mask: UInt64 = (1 << UInt64(h % 64)) | (1 << UInt64((h >> shift) % 64))
        guard bloomWord & mask == mask else { return nil }
        let buckets = gnuHash + 16 + 8 * Int(bloomSize)
        let chains = buckets + 4 * Int(bucketCount)
        var index = Int(u32(buckets + 4 * Int(h % bucketCount)))
        guard index != 0 else { return nil }
        while true {
            let chain = u32(chains + 4 * (index - symbolOffset))
            if chain | 1 == h | 1 && self.name(ofSymbol: index) == name { return index }
            if chain & 1 != 0 { return nil }
            index += 1
        }
    }
}
