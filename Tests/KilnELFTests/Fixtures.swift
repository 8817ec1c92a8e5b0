import KilnELF

/// Small images named for what they show.
enum Fixtures {
    /// `answer`: `mov eax, 42; ret`. At offset 16, `double`: `mov eax, edi; add eax, eax;
    /// ret`. Between them int3 padding, and a local (non-exported) `helper` symbol on it.
    static let x86Text: [UInt8] =
        [0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3]
        + [UInt8](repeating: 0xcc, count: 10)
        + [0x89, 0xf8, 0x01, 0xc0, 0xc3]

    static let metadataBytes: [UInt8] = Array("KILNMETA fixture".utf8)

    /// A page of recognisable bytes, as a linear-memory image would be.
    static let memoryImageBytes: [UInt8] = (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) }

    /// Two exported functions, an exported metadata object, a local helper, a small
    /// 8-aligned read-only section and a page-aligned one.
    static func answerImage(machine: UInt16 = 62, soname: String = "libanswer.so") -> ELFImage {
        ELFImage(
            machine: machine, soname: soname, text: x86Text,
            readOnlySections: [
                ELFSection(name: ".kiln.meta", bytes: metadataBytes, alignment: 8),
                ELFSection(name: ".kiln.memimg", bytes: memoryImageBytes, alignment: 4096),
            ],
            symbols: [
                ELFSymbol(name: "answer", section: 0, offset: 0, size: 6, kind: .function, isExported: true),
                ELFSymbol(name: "helper", section: 0, offset: 6, size: 10, kind: .function, isExported: false),
                ELFSymbol(name: "double", section: 0, offset: 16, size: 5, kind: .function, isExported: true),
                ELFSymbol(
                    name: "__kiln_metadata", section: 1, offset: 0, size: UInt64(metadataBytes.count),
                    kind: .object, isExported: true),
            ])
    }
}
