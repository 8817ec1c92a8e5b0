import CLibELF

/// Writes `image` as an ELF64 little-endian `ET_DYN` shared object and returns its
/// bytes. The layout (see ``SharedObjectLayout`` and docs/elf-layout.md) puts headers,
/// dynamic-linking tables and read-only sections in an R segment, `.text` alone in a
/// page-aligned R+X segment and `.dynamic` in an R+W segment, with addresses equal to
/// file offsets. Both `dlopen` and Kiln's own loader accept the result.
public func writeSharedObject(_ image: ELFImage) throws(ELFWriteError) -> [UInt8] {
    try validate(image)
    let numbering = SectionNumbering(readOnlyCount: image.readOnlySections.count)
    let tables = SymbolTables(symbols: image.symbols, soname: image.soname)
    let hashes = HashTables(tables)
    let names = SectionNames(readOnly: image.readOnlySections.map(\.name))
    let dynamicEntryCount = 8  // HASH GNU_HASH STRTAB SYMTAB STRSZ SYMENT SONAME NULL

    let layout = SharedObjectLayout(
        SharedObjectLayout.Sizes(
            hash: UInt64(hashes.sysV.count) * SharedObjectLayout.hashWordSize,
            gnuHash: UInt64(hashes.gnu.count),
            dynsym: UInt64(1 + tables.dynsym.count) * SharedObjectLayout.symbolSize,
            dynstr: UInt64(tables.dynstr.bytes.count),
            readOnly: image.readOnlySections.map { (UInt64($0.bytes.count), UInt64($0.alignment)) },
            text: UInt64(image.text.count),
            dynamic: UInt64(dynamicEntryCount) * SharedObjectLayout.dynamicEntrySize,
            symtab: UInt64(1 + tables.symtab.count) * SharedObjectLayout.symbolSize,
            strtab: UInt64(tables.strtab.bytes.count),
            shstrtab: UInt64(names.table.bytes.count),
            sectionCount: numbering.count, pageSize: UInt64(image.pageSize)))

    let file = try ScratchFile()
    do {
        var session = try LibELFSession(writingTo: file.descriptor)
        let writer = SharedObjectEmitter(
            image: image, layout: layout, numbering: numbering, tables: tables, names: names)
        try writer.emit(into: &session, hashes: hashes)
        try session.write()
    }
    return try file.readAll()
}

/// Rejects images that cannot be written as asked, before anything is laid out.
private func validate(_ image: ELFImage) throws(ELFWriteError) {
    guard image.machine == UInt16(EM_X86_64) || image.machine == UInt16(EM_AARCH64) else {
        throw .unsupportedMachine(image.machine)
    }
    guard image.pageSize >= 4096, image.pageSize & (image.pageSize - 1) == 0 else {
        throw .invalidPageSize(image.pageSize)
    }
    guard !image.soname.utf8.contains(0) else { throw .nameContainsNUL("soname") }
    for section in image.readOnlySections {
        guard !section.name.utf8.contains(0) else { throw .nameContainsNUL("section name") }
        guard section.alignment > 0, section.alignment & (section.alignment - 1) == 0 else {
            throw .invalidAlignment(section: section.name, alignment: section.alignment)
        }
    }
    let sectionCount = SectionNumbering(readOnlyCount: image.readOnlySections.count).count
    guard sectionCount < Int(SHN_LORESERVE) else { throw .tooManySections(sectionCount) }
    for (index, symbol) in image.symbols.enumerated() {
        guard !symbol.name.utf8.contains(0) else { throw .nameContainsNUL("name of symbol \(index)") }
        let sectionSize: Int
        if symbol.section == 0 {
            sectionSize = image.text.count
        } else if symbol.section > 0 && symbol.section <= image.readOnlySections.count {
            sectionSize = image.readOnlySections[symbol.section - 1].bytes.count
        } else {
            throw .invalidSymbol(index, "section \(symbol.section) does not exist")
        }
        let (end, overflow) = symbol.offset.addingReportingOverflow(symbol.size)
        guard !overflow, end <= UInt64(sectionSize) else {
            throw .invalidSymbol(
                index, "offset \(symbol.offset) + size \(symbol.size) exceeds its section (\(sectionSize) bytes)")
        }
    }
}

/// The `.shstrtab` offsets of every section's name.
struct SectionNames {
    var table = StringTable()
    var hash: UInt32 = 0, gnuHash: UInt32 = 0, dynsym: UInt32 = 0, dynstr: UInt32 = 0
    var readOnly: [UInt32] = []
    var text: UInt32 = 0, dynamic: UInt32 = 0
    var symtab: UInt32 = 0, strtab: UInt32 = 0, shstrtab: UInt32 = 0

    init(readOnly names: [String]) {
        hash = table.add(".hash")
        gnuHash = table.add(".gnu.hash")
        dynsym = table.add(".dynsym")
        dynstr = table.add(".dynstr")
        readOnly = names.map { table.add($0) }
        text = table.add(".text")
        dynamic = table.add(".dynamic")
        symtab = table.add(".symtab")
        strtab = table.add(".strtab")
        shstrtab = table.add(".shstrtab")
    }
}

/// The contents of `.hash` (words) and `.gnu.hash` (bytes) for the `.dynsym` order.
struct HashTables {
    var sysV: [UInt32]
    var gnu: [UInt8]

    init(_ tables: SymbolTables) {
        sysV = SysVHash.table(names: tables.dynsymNames)
        gnu = GNUHash.table(
            names: Array(tables.dynsymNames.dropFirst()), symbolOffset: 1, bucketCount: tables.gnuHashBucketCount)
    }
}
