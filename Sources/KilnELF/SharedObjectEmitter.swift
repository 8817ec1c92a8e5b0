import CLibELF

/// Hands a laid-out shared object to libelf: the ELF header, the program headers, then
/// every section in ``SectionNumbering`` order with its offset, address and contents.
struct SharedObjectEmitter {
    let image: ELFImage
    let layout: SharedObjectLayout
    let numbering: SectionNumbering
    let tables: SymbolTables
    let names: SectionNames

    typealias Extent = SharedObjectLayout.Extent

    func emit(into session: inout LibELFSession, hashes: HashTables) throws(ELFWriteError) {
        try session.makeHeaders(programHeaderCount: SharedObjectLayout.programHeaderCount) { header in
            withUnsafeMutableBytes(of: &header.e_ident) { ident in
                ident[Int(EI_DATA)] = UInt8(ELFDATA2LSB)
                ident[Int(EI_VERSION)] = UInt8(EV_CURRENT)
                ident[Int(EI_OSABI)] = UInt8(ELFOSABI_NONE)
            }
            header.e_type = UInt16(ET_DYN)
            header.e_machine = image.machine
            header.e_version = UInt32(EV_CURRENT)
            header.e_entry = 0
            header.e_phoff = SharedObjectLayout.elfHeaderSize
            header.e_shoff = layout.sectionHeaders.offset
            header.e_flags = 0
            header.e_ehsize = UInt16(SharedObjectLayout.elfHeaderSize)
            header.e_phentsize = UInt16(SharedObjectLayout.programHeaderSize)
            header.e_shentsize = UInt16(SharedObjectLayout.sectionHeaderSize)
            header.e_shstrndx = UInt16(numbering.shstrtab)
        }
        try emitProgramHeaders(session)
        try emitSections(&session, hashes: hashes)
    }

    private func emitProgramHeaders(_ session: borrowing LibELFSession) throws(ELFWriteError) {
        let page = layout.pageSize
        let readOnly = Extent(offset: 0, size: layout.readOnlySegmentEnd, alignment: page)
        let text = Extent(offset: layout.text.offset, size: layout.text.size, alignment: page)
        let dynamic = Extent(offset: layout.dynamic.offset, size: layout.dynamic.size, alignment: page)
        try session.setProgramHeader(0, segment(PT_LOAD, flags: PF_R, readOnly))
        try session.setProgramHeader(1, segment(PT_LOAD, flags: PF_R | PF_X, text))
        try session.setProgramHeader(2, segment(PT_LOAD, flags: PF_R | PF_W, dynamic))
        try session.setProgramHeader(
            3, segment(PT_DYNAMIC, flags: PF_R | PF_W, Extent(offset: dynamic.offset, size: dynamic.size, alignment: 8))
        )
        try session.setProgramHeader(
            4, segment(PT_GNU_STACK, flags: PF_R | PF_W, Extent(offset: 0, size: 0, alignment: 16)))
    }

    private func segment(_ type: Int32, flags: Int32, _ extent: Extent) -> GElf_Phdr {
        var header = GElf_Phdr()
        header.p_type = UInt32(bitPattern: type)
        header.p_flags = UInt32(flags)
        header.p_offset = extent.offset
        header.p_vaddr = extent.offset
        header.p_paddr = extent.offset
        header.p_filesz = extent.size
        header.p_memsz = extent.size
        header.p_align = extent.alignment
        return header
    }

    private func emitSections(_ session: inout LibELFSession, hashes: HashTables) throws(ELFWriteError) {
        let dynsymIndex = UInt32(SectionNumbering.dynsym)
        let dynstrIndex = UInt32(SectionNumbering.dynstr)
        let alloc = UInt64(SHF_ALLOC)

        let hash = try session.addSection(
            header(names.hash, SHT_HASH, alloc, layout.hash, link: dynsymIndex, entrySize: 4),
            expectedIndex: SectionNumbering.hash, dataType: ELF_T_WORD)
        session.fill(hash, words: hashes.sysV)

        let gnuHash = try session.addSection(
            header(names.gnuHash, SHT_GNU_HASH, alloc, layout.gnuHash, link: dynsymIndex),
            expectedIndex: SectionNumbering.gnuHash, dataType: ELF_T_GNUHASH)
        session.fill(gnuHash, with: hashes.gnu)

        let dynsym = try session.addSection(
            header(names.dynsym, SHT_DYNSYM, alloc, layout.dynsym, link: dynstrIndex, info: 1, entrySize: 24),
            expectedIndex: SectionNumbering.dynsym, dataType: ELF_T_SYM)
        try writeSymbols(tables.dynsym, to: dynsym)

        let dynstr = try session.addSection(
            header(names.dynstr, SHT_STRTAB, alloc, layout.dynstr),
            expectedIndex: SectionNumbering.dynstr, dataType: ELF_T_BYTE)
        session.fill(dynstr, with: tables.dynstr.bytes)

        for (index, section) in image.readOnlySections.enumerated() {
            let data = try session.addSection(
                header(names.readOnly[index], SHT_PROGBITS, alloc, layout.readOnly[index]),
                expectedIndex: numbering.readOnly(index), dataType: ELF_T_BYTE)
            session.fill(data, with: section.bytes)
        }

        let text = try session.addSection(
            header(names.text, SHT_PROGBITS, alloc | UInt64(SHF_EXECINSTR), layout.text),
            expectedIndex: numbering.text, dataType: ELF_T_BYTE)
        session.fill(text, with: image.text)

        let dynamic = try session.addSection(
            header(
                names.dynamic, SHT_DYNAMIC, alloc | UInt64(SHF_WRITE), layout.dynamic, link: dynstrIndex, entrySize: 16),
            expectedIndex: numbering.dynamic, dataType: ELF_T_DYN)
        try writeDynamicEntries(to: dynamic)

        let symtab = try session.addSection(
            header(
                names.symtab, SHT_SYMTAB, 0, layout.symtab, link: UInt32(numbering.strtab),
                info: UInt32(tables.firstGlobalSymbol), entrySize: 24),
            expectedIndex: numbering.symtab, dataType: ELF_T_SYM)
        try writeSymbols(tables.symtab, to: symtab)

        let strtab = try session.addSection(
            header(names.strtab, SHT_STRTAB, 0, layout.strtab), expectedIndex: numbering.strtab, dataType: ELF_T_BYTE)
        session.fill(strtab, with: tables.strtab.bytes)

        let shstrtab = try session.addSection(
            header(names.shstrtab, SHT_STRTAB, 0, layout.shstrtab),
            expectedIndex: numbering.shstrtab, dataType: ELF_T_BYTE)
        session.fill(shstrtab, with: names.table.bytes)
    }

    private func header(
        _ name: UInt32, _ type: Int32, _ flags: UInt64, _ extent: Extent,
        link: UInt32 = 0, info: UInt32 = 0, entrySize: UInt64 = 0
    ) -> GElf_Shdr {
        var header = GElf_Shdr()
        header.sh_name = name
        header.sh_type = UInt32(bitPattern: type)
        header.sh_flags = flags
        header.sh_addr = flags & UInt64(SHF_ALLOC) != 0 ? extent.offset : 0
        header.sh_offset = extent.offset
        header.sh_size = extent.size
        header.sh_link = link
        header.sh_info = info
        header.sh_addralign = extent.alignment
        header.sh_entsize = entrySize
        return header
    }

    /// Index 0 stays the all-zero null symbol; `symbols` fill 1... with their section
    /// offsets turned into addresses.
    private func writeSymbols(
        _ symbols: [PendingSymbol], to data: UnsafeMutablePointer<Elf_Data>?
    ) throws(ELFWriteError) {
        guard let data else { return }
        for (index, symbol) in symbols.enumerated() {
            let bind = symbol.isGlobal ? STB_GLOBAL : STB_LOCAL
            let type: Int32
            switch symbol.kind {
            case .function: type = STT_FUNC
            case .object: type = STT_OBJECT
            case .noType: type = STT_NOTYPE
            }
            let section = numbering.forSymbolSection(symbol.section)
            var entry = GElf_Sym()
            entry.st_name = symbol.name
            entry.st_info = UInt8((bind << 4) | (type & 0xf))
            entry.st_other = UInt8(STV_DEFAULT)
            entry.st_shndx = UInt16(section)
            entry.st_value = sectionAddress(symbol.section) + symbol.offset
            entry.st_size = symbol.size
            guard gelf_update_sym(data, Int32(index + 1), &entry) != 0 else { throw .libelf("gelf_update_sym") }
        }
    }

    private func sectionAddress(_ section: Int) -> UInt64 {
        section == 0 ? layout.text.offset : layout.readOnly[section - 1].offset
    }

    private func writeDynamicEntries(to data: UnsafeMutablePointer<Elf_Data>?) throws(ELFWriteError) {
        guard let data else { return }
        let entries: [(Int32, UInt64)] = [
            (DT_HASH, layout.hash.offset),
            (DT_GNU_HASH, layout.gnuHash.offset),
            (DT_STRTAB, layout.dynstr.offset),
            (DT_SYMTAB, layout.dynsym.offset),
            (DT_STRSZ, layout.dynstr.size),
            (DT_SYMENT, SharedObjectLayout.symbolSize),
            (DT_SONAME, UInt64(tables.soname)),
            (DT_NULL, 0),
        ]
        for (index, (tag, value)) in entries.enumerated() {
            var entry = GElf_Dyn()
            entry.d_tag = Int64(tag)
            entry.d_un.d_val = value
            guard gelf_update_dyn(data, Int32(index), &entry) != 0 else { throw .libelf("gelf_update_dyn") }
        }
    }
}
