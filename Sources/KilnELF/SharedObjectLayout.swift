/// Where every part of the shared object goes in the file. Addresses equal file offsets
/// (load base 0), so the runtime can map any allocated section straight from the file.
/// docs/elf-layout.md draws the result.
///
///     offset 0        ELF header, program headers
///                     .hash .gnu.hash .dynsym .dynstr, then the read-only sections,
///                     each at its own alignment                    PT_LOAD R
///     page boundary   .text                                        PT_LOAD R+X
///     page boundary   .dynamic                                     PT_LOAD R+W, PT_DYNAMIC
///                     .symtab .strtab .shstrtab (not loaded), section headers
struct SharedObjectLayout {
    static let elfHeaderSize: UInt64 = 64
    static let programHeaderSize: UInt64 = 56
    static let sectionHeaderSize: UInt64 = 64
    static let symbolSize: UInt64 = 24
    static let dynamicEntrySize: UInt64 = 16
    static let hashWordSize: UInt64 = 4
    /// PT_LOAD x3, PT_DYNAMIC, PT_GNU_STACK.
    static let programHeaderCount = 5

    /// One section's (or table's) place: its file offset, which is also its address.
    struct Extent: Equatable {
        var offset: UInt64
        var size: UInt64
        var alignment: UInt64
        var end: UInt64 { offset + size }
    }

    /// The sizes the layout is computed from.
    struct Sizes {
        var hash: UInt64
        var gnuHash: UInt64
        var dynsym: UInt64
        var dynstr: UInt64
        /// Each read-only section's size and alignment, in order.
        var readOnly: [(size: UInt64, alignment: UInt64)]
        var text: UInt64
        var dynamic: UInt64
        var symtab: UInt64
        var strtab: UInt64
        var shstrtab: UInt64
        var sectionCount: Int
        /// ``ELFImage/pageSize``.
        var pageSize: UInt64
    }

    var hash: Extent
    var gnuHash: Extent
    var dynsym: Extent
    var dynstr: Extent
    var readOnly: [Extent]
    var text: Extent
    var dynamic: Extent
    var symtab: Extent
    var strtab: Extent
    var shstrtab: Extent
    /// The section header table (not a section).
    var sectionHeaders: Extent
    /// End of the read-only PT_LOAD: the end of its last section.
    var readOnlySegmentEnd: UInt64
    /// The alignment of `.text`, `.dynamic` and every PT_LOAD.
    var pageSize: UInt64

    init(_ sizes: Sizes) {
        var cursor = Self.elfHeaderSize + Self.programHeaderSize * UInt64(Self.programHeaderCount)
        func place(_ size: UInt64, alignment: UInt64) -> Extent {
            cursor = alignUp(cursor, alignment)
            defer { cursor += size }
            return Extent(offset: cursor, size: size, alignment: alignment)
        }
        hash = place(sizes.hash, alignment: 8)
        gnuHash = place(sizes.gnuHash, alignment: 8)
        dynsym = place(sizes.dynsym, alignment: 8)
        dynstr = place(sizes.dynstr, alignment: 1)
        readOnly = sizes.readOnly.map { place($0.size, alignment: $0.alignment) }
        readOnlySegmentEnd = cursor
        pageSize = sizes.pageSize
        text = place(sizes.text, alignment: sizes.pageSize)
        // .dynamic is writable, so it must not share a page with .text. An empty .text
        // still gets its page, so no two PT_LOADs start at the same address.
        cursor = text.offset + max(text.size, 1)
        dynamic = place(sizes.dynamic, alignment: sizes.pageSize)
        symtab = place(sizes.symtab, alignment: 8)
        strtab = place(sizes.strtab, alignment: 1)
        shstrtab = place(sizes.shstrtab, alignment: 1)
        sectionHeaders = place(Self.sectionHeaderSize * UInt64(sizes.sectionCount), alignment: 8)
    }
}

/// `value` rounded up to a multiple of `alignment` (a power of two).
func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 {
    (value + alignment - 1) & ~(alignment - 1)
}
