import CLibELF

#if canImport(Glibc)
    import Glibc
#endif

/// libelf's message for its most recent error (the C function is `elf_errmsg`).
func elfErrorMessage() -> String {
    guard let message = elf_errmsg(elf_errno()) else { return "unknown libelf error" }
    return String(cString: message)
}

/// One libelf descriptor writing an ELF64 little-endian file with application-controlled
/// layout (`ELF_F_LAYOUT`: every offset is ours, libelf only encodes). It owns the
/// descriptor (`elf_end` in `deinit`) and the section data buffers, which libelf reads
/// only at `elf_update` and never frees.
struct LibELFSession: ~Copyable {
    private let elf: OpaquePointer
    private var buffers: [UnsafeMutableRawPointer] = []

    init(writingTo descriptor: Int32) throws(ELFWriteError) {
        guard elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) else { throw .libelf("elf_version") }
        guard let elf = elf_begin(descriptor, ELF_C_WRITE, nil) else { throw .libelf("elf_begin") }
        guard elf_flagelf(elf, ELF_C_SET, UInt32(ELF_F_LAYOUT)) & UInt32(ELF_F_LAYOUT) != 0 else {
            let error = ELFWriteError.libelf("elf_flagelf")
            elf_end(elf)
            throw error
        }
        self.elf = elf
        // Gaps between sections are zero. (A process-wide setting; 0 is also its default.)
        elf_fill(0)
    }

    deinit {
        elf_end(elf)
        for buffer in buffers { buffer.deallocate() }
    }

    /// Creates the ELF header and `count` program headers; `configure` fills the header
    /// (libelf has already set the class).
    func makeHeaders(programHeaderCount count: Int, _ configure: (inout GElf_Ehdr) -> Void) throws(ELFWriteError) {
        guard gelf_newehdr(elf, ELFCLASS64) != nil else { throw .libelf("gelf_newehdr") }
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { throw .libelf("gelf_getehdr") }
        configure(&header)
        guard gelf_update_ehdr(elf, &header) != 0 else { throw .libelf("gelf_update_ehdr") }
        guard gelf_newphdr(elf, count) != nil else { throw .libelf("gelf_newphdr") }
    }

    func setProgramHeader(_ index: Int, _ header: GElf_Phdr) throws(ELFWriteError) {
        var header = header
        guard gelf_update_phdr(elf, Int32(index), &header) != 0 else { throw .libelf("gelf_update_phdr") }
    }

    /// Appends a section whose contents are `size` bytes of `type` (zero-filled), and
    /// returns its data descriptor so the caller can fill it through `gelf_update_*`
    /// or ``fill(_:with:)``. Empty sections get no data descriptor.
    mutating func addSection(
        _ header: GElf_Shdr, expectedIndex: Int, dataType: Elf_Type
    ) throws(ELFWriteError) -> UnsafeMutablePointer<Elf_Data>? {
        guard let section = elf_newscn(elf) else { throw .libelf("elf_newscn") }
        precondition(elf_ndxscn(section) == expectedIndex, "sections created out of order")
        var header = header
        guard gelf_update_shdr(section, &header) != 0 else { throw .libelf("gelf_update_shdr") }
        guard header.sh_size > 0 else { return nil }
        guard let data = elf_newdata(section) else { throw .libelf("elf_newdata") }
        let size = Int(header.sh_size)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        buffers.append(buffer)
        data.pointee.d_buf = buffer
        data.pointee.d_size = size
        data.pointee.d_type = dataType
        data.pointee.d_off = 0
        data.pointee.d_align = Int(header.sh_addralign)
        data.pointee.d_version = UInt32(EV_CURRENT)
        return data
    }

    /// Copies `bytes` into a data descriptor of the same size made by ``addSection``.
    func fill(_ data: UnsafeMutablePointer<Elf_Data>?, with bytes: [UInt8]) {
        guard let data, let buffer = data.pointee.d_buf else { return }
        precondition(data.pointee.d_size == bytes.count)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    }

    /// Copies `words` (host byte order, as libelf's memory representation of
    /// `ELF_T_WORD` expects) into a data descriptor of the same size.
    func fill(_ data: UnsafeMutablePointer<Elf_Data>?, words: [UInt32]) {
        guard let data, let buffer = data.pointee.d_buf else { return }
        precondition(data.pointee.d_size == words.count * 4)
        words.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }

    /// Writes the file (the C function is `elf_update` with `ELF_C_WRITE`).
    func write() throws(ELFWriteError) {
        guard elf_update(elf, ELF_C_WRITE) >= 0 else { throw .libelf("elf_update") }
    }
}
