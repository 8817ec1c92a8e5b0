import KilnABI
import KilnCodegen

/// Moves the code and read-only data of LLVM's relocatable objects into one block of
/// Kiln's `.text` and resolves their relocations there, so Kiln's ELF writer stays the
/// one writer of artifacts (docs/codegen.md, "Optimizing tier"). Only PC-relative
/// relocations are accepted: an artifact's `.text` is mapped at any address and never
/// patched at load time.
struct ObjectPlacement {
    /// The placed bytes (to go at `base` in `.text`).
    var bytes: [UInt8] = []
    /// Offset in `.text` and size of every function symbol, by name.
    var symbols: [String: (offset: Int, size: Int)] = [:]
    /// Offsets in `.text` of the loads LLVM made null checks of (its fault maps): a fault
    /// there is the "uninitialized element" trap, the only check Kiln marks implicit.
    var nullCheckFaults: [Int] = []
    /// Where the objects' read-only data sections landed in `.text`, in placement order.
    var dataRanges: [Range<Int>] = []
    let base: Int
    let isa: TargetISA

    init(base: Int, isa: TargetISA) {
        self.base = base
        self.isa = isa
    }

    private struct Section {
        var name: String
        var type: UInt32
        var flags: UInt64
        var offset: Int
        var size: Int
        var link: Int
        var info: Int
        var alignment: Int
    }

    private struct Symbol {
        var name: String
        var section: Int
        var value: Int
        var size: Int
        var isGlobal: Bool
    }

    /// Objects are placed one after another; call ``resolve()`` after the last.
    private var pending: [(object: [UInt8], sections: [Section], symbols: [Symbol], placed: [Int: Int])] = []

    mutating func add(object: [UInt8]) throws(CompileError) {
        let elf = ELFReader(object)
        guard elf.u32(0) == 0x464C_457F, object.count >= 64, object[4] == 2, object[5] == 1 else {
            throw CompileError.internalError("LLVM's object is not a 64-bit little-endian ELF file")
        }
        let machine = elf.u16(0x12)
        guard machine == (isa == .x86_64 ? 62 : 183) else {
            throw CompileError.internalError("LLVM's object is for machine \(machine), not \(isa)")
        }
        let sectionTable = Int(elf.u64(0x28)), count = Int(elf.u16(0x3C)), names = Int(elf.u16(0x3E))
        var sections: [Section] = []
        for i in 0..<count {
            let h = sectionTable + 64 * i
            sections.append(
                Section(
                    name: "", type: elf.u32(h + 4), flags: elf.u64(h + 8), offset: Int(elf.u64(h + 24)),
                    size: Int(elf.u64(h + 32)), link: Int(elf.u32(h + 40)), info: Int(elf.u32(h + 44)),
                    alignment: max(1, Int(elf.u64(h + 48)))))
        }
        let nameTable = sections[names].offset
        for i in 0..<count {
            sections[i].name = elf.string(nameTable + Int(elf.u32(sectionTable + 64 * i)))
        }
        // Code first, then read-only data (constant pools, jump tables).
        let allocated = 0x2, writable = 0x1, executable = 0x4
        var placed: [Int: Int] = [:]
        for wantCode in [true, false] {
            for (i, s) in sections.enumerated() where s.flags & UInt64(allocated) != 0 && s.size > 0 {
                guard s.type == 1 || s.type == 8 else { continue }  // PROGBITS, NOBITS
                guard s.name != Self.faultMapsSection else { continue }  // read below, not placed
                if (s.flags & UInt64(executable) != 0) != wantCode { continue }
                if s.flags & UInt64(writable) != 0 || s.type == 8 {
                    throw CompileError.internalError("LLVM's object has writable data (\(s.name))")
                }
                while (base + bytes.count) % s.alignment != 0 { bytes.append(isa == .x86_64 && wantCode ? 0xCC : 0) }
                placed[i] = base + bytes.count
                if !wantCode { dataRanges.append(placed[i]!..<(placed[i]! + s.size)) }
                bytes += object[s.offset..<(s.offset + s.size)]
            }
        }
        var symbols: [Symbol] = []
        if let table = sections.firstIndex(where: { $0.type == 2 }) {  // SYMTAB
            let s = sections[table], strings = sections[s.link].offset
            for k in 0..<(s.size / 24) {
                let e = s.offset + 24 * k
                let info = object[e + 4]
                let symbol = Symbol(
                    name: elf.string(strings + Int(elf.u32(e))), section: Int(elf.u16(e + 6)),
                    value: Int(elf.u64(e + 8)), size: Int(elf.u64(e + 16)), isGlobal: info >> 4 != 0)
                symbols.append(symbol)
                if symbol.isGlobal, symbol.section != 0, symbol.section < 0xFF00, let at = placed[symbol.section] {
                    self.symbols[symbol.name] = (at + symbol.value, symbol.size)
                }
            }
        }
        if let faultMaps = sections.firstIndex(where: { $0.name == Self.faultMapsSection }) {
            try readFaultMaps(faultMaps, sections: sections, symbols: symbols, placed: placed, elf: elf)
        }
        pending.append((object, sections, symbols, placed))
    }

    static let faultMapsSection = ".llvm_faultmaps"

    /// Reads LLVM's fault maps (version 1: a u8 version, 3 reserved bytes, a u32 function
    /// count; per function its address as an absolute relocation, a u32 entry count and a
    /// reserved u32; per entry u32 kind, faulting offset and handler offset, both from the
    /// function's start) into ``nullCheckFaults``.
    private mutating func readFaultMaps(
        _ index: Int, sections: [Section], symbols: [Symbol], placed: [Int: Int], elf: ELFReader
    ) throws(CompileError) {
        let map = sections[index]
        var functionAt: [Int: Int] = [:]  // offset in the map -> placed address of the function
        for r in sections where r.type == 4 && r.info == index {
            for k in 0..<(r.size / 24) {
                let e = r.offset + 24 * k
                let symbol = symbols[Int(elf.u64(e + 8) >> 32)]
                guard let at = placed[symbol.section] else { continue }
                functionAt[Int(elf.u64(e))] = at + symbol.value + Int(Int64(bitPattern: elf.u64(e + 16)))
            }
        }
        guard map.size >= 8, elf.bytes[map.offset] == 1 else {
            throw CompileError.internalError("LLVM's fault map has an unknown version")
        }
        var p = 8
        for _ in 0..<elf.u32(map.offset + 4) {
            guard p + 16 <= map.size, let function = functionAt[p] else {
                throw CompileError.internalError("LLVM's fault map names a function Kiln did not place")
            }
            let entries = Int(elf.u32(map.offset + p + 8))
            p += 16
            guard p + 12 * entries <= map.size else {
                throw CompileError.internalError("LLVM's fault map is truncated")
            }
            for k in 0..<entries {
                nullCheckFaults.append(function + Int(elf.u32(map.offset + p + 12 * k + 4)))
            }
            p += 12 * entries
        }
    }

    /// Applies every object's relocations.
    mutating func resolve() throws(CompileError) {
        for (object, sections, symbols, placed) in pending {
            let elf = ELFReader(object)
            for s in sections where s.type == 4 {  // RELA
                guard let target = placed[s.info] else { continue }  // e.g. .eh_frame, not placed
                for k in 0..<(s.size / 24) {
                    let e = s.offset + 24 * k
                    let offset = Int(elf.u64(e)), info = elf.u64(e + 8)
                    let addend = Int(Int64(bitPattern: elf.u64(e + 16)))
                    let symbol = symbols[Int(info >> 32)]
                    let value: Int
                    if symbol.section != 0, let at = placed[symbol.section] {
                        value = at + symbol.value
                    } else if let global = self.symbols[symbol.name] {
                        value = global.offset
                    } else {
                        throw CompileError.internalError("LLVM's code refers to \(symbol.name.isEmpty ? "an unplaced section" : symbol.name), which Kiln does not provide")
                    }
                    try apply(type: UInt32(truncatingIfNeeded: info), at: target + offset, symbol: value, addend: addend)
                }
            }
        }
        pending = []
    }

    private mutating func apply(type: UInt32, at place: Int, symbol: Int, addend: Int) throws(CompileError) {
        let i = place - base
        let relative = symbol + addend - place
        switch (isa, type) {
        case (.x86_64, 2), (.x86_64, 4):  // R_X86_64_PC32, R_X86_64_PLT32
            guard relative >= Int(Int32.min), relative <= Int(Int32.max) else {
                throw CompileError.internalError("a PC-relative reference in LLVM's code is out of range")
            }
            write32(UInt32(truncatingIfNeeded: relative), at: i)
        case (.x86_64, 24), (.aarch64, 260):  // R_X86_64_PC64, R_AARCH64_PREL64
            for k in 0..<8 { bytes[i + k] = UInt8(truncatingIfNeeded: relative >> (8 * k)) }
        case (.aarch64, 261):  // R_AARCH64_PREL32
            write32(UInt32(truncatingIfNeeded: relative), at: i)
        case (.aarch64, 282), (.aarch64, 283):  // JUMP26, CALL26
            let words = relative >> 2
            guard relative & 3 == 0, words >= -(1 << 25), words < (1 << 25) else {
                throw CompileError.internalError("a branch in LLVM's code is out of range")
            }
            patch32(at: i, mask: 0x03FF_FFFF, UInt32(truncatingIfNeeded: words) & 0x03FF_FFFF)
        case (.aarch64, 275):  // ADR_PREL_PG_HI21: `.text` is placed page-aligned
            let pages = ((symbol + addend) >> 12) - (place >> 12)
            let v = UInt32(truncatingIfNeeded: pages) & 0x1F_FFFF
            patch32(at: i, mask: 0x60FF_FFE0, ((v & 3) << 29) | ((v >> 2) << 5))
        case (.aarch64, 277):  // ADD_ABS_LO12_NC
            patch32(at: i, mask: 0x003F_FC00, UInt32((symbol + addend) & 0xFFF) << 10)
        case (.aarch64, 278), (.aarch64, 284), (.aarch64, 285), (.aarch64, 286), (.aarch64, 299):
            // LDST8/16/32/64/128_ABS_LO12_NC: the low 12 bits scaled by the access size.
            let shift: Int = [278: 0, 284: 1, 285: 2, 286: 3, 299: 4][Int(type)]!
            patch32(at: i, mask: 0x003F_FC00, UInt32(((symbol + addend) & 0xFFF) >> shift) << 10)
        default:
            throw CompileError.internalError("LLVM's code needs relocation type \(type), which Kiln does not place")
        }
    }

    private mutating func write32(_ v: UInt32, at i: Int) {
        for k in 0..<4 { bytes[i + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
    }

    private mutating func patch32(at i: Int, mask: UInt32, _ field: UInt32) {
        var word: UInt32 = 0
        for k in 0..<4 { word |= UInt32(bytes[i + k]) << (8 * k) }
        write32((word & ~mask) | (field & mask), at: i)
    }
}

/// Little-endian field access to an ELF file in memory.
private struct ELFReader {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
    func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
    func string(_ at: Int) -> String {
        var end = at
        while end < bytes.count, bytes[end] != 0 { end += 1 }
        return String(decoding: bytes[at..<end], as: UTF8.self)
    }
}
