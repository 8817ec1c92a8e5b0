/// The section numbers of a written shared object, in file order.
struct SectionNumbering {
    var readOnlyCount: Int

    static let hash = 1
    static let gnuHash = 2
    static let dynsym = 3
    static let dynstr = 4
    func readOnly(_ index: Int) -> Int { 5 + index }
    var text: Int { 5 + readOnlyCount }
    var dynamic: Int { text + 1 }
    var symtab: Int { text + 2 }
    var strtab: Int { text + 3 }
    var shstrtab: Int { text + 4 }
    /// Number of section headers, including the null one at index 0.
    var count: Int { text + 5 }

    /// The section number of an ``ELFSymbol/section`` (0 = `.text`, 1 + i = read-only i).
    func forSymbolSection(_ section: Int) -> Int { section == 0 ? text : readOnly(section - 1) }
}

/// One symbol table entry before addresses are known: its value is still an offset into
/// an ``ELFSymbol/section``.
struct PendingSymbol {
    var name: UInt32
    var isGlobal: Bool
    var kind: ELFSymbol.Kind
    var section: Int
    var offset: UInt64
    var size: UInt64
}

/// `.symtab`/`.strtab` (every symbol, locals first as the gABI requires) and
/// `.dynsym`/`.dynstr` (the exported ones, sorted by GNU hash bucket as `.gnu.hash`
/// requires, plus the soname), built from an image's symbols. Index 0 of both tables is
/// the null symbol, so it is not stored here.
struct SymbolTables {
    var symtab: [PendingSymbol] = []
    /// `.symtab`'s `sh_info`: the index of its first global symbol.
    var firstGlobalSymbol: Int = 1
    var strtab = StringTable()
    var dynsym: [PendingSymbol] = []
    /// The names of `.dynsym`'s entries, in order, with the null symbol's empty name first
    /// (what the hash tables are built from).
    var dynsymNames: [[UInt8]] = [[]]
    /// `.gnu.hash`'s bucket count, which also decided `.dynsym`'s order.
    var gnuHashBucketCount: Int = 1
    var dynstr = StringTable()
    var soname: UInt32 = 0

    init(symbols: [ELFSymbol], soname: String) {
        let locals = symbols.filter { !$0.isExported }
        let globals = symbols.filter { $0.isExported }
        for symbol in locals { symtab.append(pending(symbol, name: strtab.add(symbol.name))) }
        firstGlobalSymbol = 1 + locals.count
        for symbol in globals { symtab.append(pending(symbol, name: strtab.add(symbol.name))) }

        gnuHashBucketCount = SysVHash.bucketCount(symbols: globals.count)
        let exported = globals.map { (symbol: $0, name: Array($0.name.utf8)) }
        let buckets = exported.map { GNUHash.bucket(of: $0.name, bucketCount: gnuHashBucketCount) }
        // Stable, so symbols sharing a bucket keep the image's order.
        let order = exported.indices.sorted { (buckets[$0], $0) < (buckets[$1], $1) }
        for index in order {
            dynsym.append(pending(exported[index].symbol, name: dynstr.add(exported[index].name)))
            dynsymNames.append(exported[index].name)
        }
        self.soname = dynstr.add(soname)
    }

    private func pending(_ symbol: ELFSymbol, name: UInt32) -> PendingSymbol {
        PendingSymbol(
            name: name, isGlobal: symbol.isExported, kind: symbol.kind,
            section: symbol.section, offset: symbol.offset, size: symbol.size)
    }
}
