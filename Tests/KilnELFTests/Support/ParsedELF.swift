/// The headers of a written ELF64 little-endian file, parsed independently of libelf so
/// layout tests check the bytes, not the writer's own idea of them.
struct ParsedELF {
    struct Segment {
        var type: UInt32
        var flags: UInt32
        var offset: UInt64
        var address: UInt64
        var fileSize: UInt64
        var memorySize: UInt64
        var alignment: UInt64
        var isWritable: Bool { flags & 2 != 0 }
        var isExecutable: Bool { flags & 1 != 0 }
    }
    struct Section {
        var name: String
        var type: UInt32
        var flags: UInt64
        var address: UInt64
        var offset: UInt64
        var size: UInt64
        var alignment: UInt64
        var isAllocated: Bool { flags & 2 != 0 }
    }

    static let ptLoad: UInt32 = 1
    static let ptDynamic: UInt32 = 2
    static let ptGNUStack: UInt32 = 0x6474_e551

    var type: UInt16
    var machine: UInt16
    var segments: [Segment] = []
    var sections: [Section] = []

    init(_ bytes: [UInt8]) {
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
        precondition(Array(bytes[0..<6]) == [0x7f, 0x45, 0x4c, 0x46, 2, 1], "not ELF64 little-endian")
        type = u16(16)
        machine = u16(18)
        let phoff = Int(u64(32))
        let shoff = Int(u64(40))
        let phnum = Int(u16(56))
        let shnum = Int(u16(60))
        let shstrndx = Int(u16(62))
        for i in 0..<phnum {
            let p = phoff + i * 56
            segments.append(
                Segment(
                    type: u32(p), flags: u32(p + 4), offset: u64(p + 8), address: u64(p + 16),
                    fileSize: u64(p + 32), memorySize: u64(p + 40), alignment: u64(p + 48)))
        }
        let namesOffset = Int(u64(shoff + shstrndx * 64 + 24))
        for i in 0..<shnum {
            let s = shoff + i * 64
            var end = namesOffset + Int(u32(s))
            let start = end
            while bytes[end] != 0 { end += 1 }
            sections.append(
                Section(
                    name: String(decoding: bytes[start..<end], as: UTF8.self), type: u32(s + 4),
                    flags: u64(s + 8), address: u64(s + 16), offset: u64(s + 24), size: u64(s + 32),
                    alignment: u64(s + 48)))
        }
    }

    func section(_ name: String) -> Section? { sections.first { $0.name == name } }
    var loadSegments: [Segment] { segments.filter { $0.type == Self.ptLoad } }
}
