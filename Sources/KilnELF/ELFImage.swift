/// A description of an ELF shared object to write: one executable segment (`.text`), one
/// read-only segment (the other sections), symbols, and the dynamic-linking sections the
/// system loader needs. The writer knows nothing about WebAssembly.
public struct ELFImage: Sendable {
    /// `e_machine` (62 = x86-64, 183 = AArch64).
    public var machine: UInt16
    /// `DT_SONAME`.
    public var soname: String
    /// Contents of `.text` (mapped R+X).
    public var text: [UInt8]
    /// Read-only sections, in order, each at its alignment in the first (R) `PT_LOAD`,
    /// after the dynamic-linking tables.
    public var readOnlySections: [ELFSection]
    /// Symbols; `section` is 0 for `.text` or 1 + the index in ``readOnlySections``.
    public var symbols: [ELFSymbol]
    /// The page size segments are aligned to (a power of two, at least 4096): `.text` and
    /// `.dynamic` start on such a page and each `PT_LOAD` has it as `p_align`. 4096 suits
    /// x86-64 and most AArch64 Linux; 65536 also loads where AArch64 kernels use 16 KiB or
    /// 64 KiB pages, at the cost of padding.
    public var pageSize: Int

    public init(
        machine: UInt16, soname: String, text: [UInt8], readOnlySections: [ELFSection], symbols: [ELFSymbol],
        pageSize: Int = 4096
    ) {
        self.machine = machine
        self.soname = soname
        self.text = text
        self.readOnlySections = readOnlySections
        self.symbols = symbols
        self.pageSize = pageSize
    }
}

/// A read-only section: its name, contents and required alignment (of both its file
/// offset and its address; use the page size for sections mapped straight from the file).
public struct ELFSection: Sendable {
    public var name: String
    public var bytes: [UInt8]
    public var alignment: Int
    public init(name: String, bytes: [UInt8], alignment: Int) {
        self.name = name
        self.bytes = bytes
        self.alignment = alignment
    }
}

/// A symbol: `.symtab` gets every symbol; `.dynsym` also gets those with `isExported`.
public struct ELFSymbol: Sendable {
    /// `STT_FUNC`, `STT_OBJECT`, or `STT_NOTYPE` (AArch64 mapping symbols `$x`/`$d`).
    public enum Kind: Sendable { case function, object, noType }
    public var name: String
    public var section: Int
    /// Offset from the start of its section.
    public var offset: UInt64
    public var size: UInt64
    public var kind: Kind
    public var isExported: Bool
    public init(name: String, section: Int, offset: UInt64, size: UInt64, kind: Kind, isExported: Bool) {
        self.name = name
        self.section = section
        self.offset = offset
        self.size = size
        self.kind = kind
        self.isExported = isExported
    }
}
