import KilnELF
import Testing

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
    static func answerImage(machine: UInt16 = 62, soname: String = "libanswer.so", pageSize: Int = 4096) -> ELFImage {
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
            ],
            pageSize: pageSize)
    }
}

extension Fixtures {
    /// AArch64 `answer`: `mov w0, #42; ret`.
    static let aarch64Text: [UInt8] = [0x40, 0x05, 0x80, 0x52, 0xc0, 0x03, 0x5f, 0xd6]

    static func aarch64AnswerImage() -> ELFImage {
        ELFImage(
            machine: 183, soname: "libanswer-arm.so", text: aarch64Text,
            readOnlySections: [ELFSection(name: ".kiln.meta", bytes: metadataBytes, alignment: 8)],
            symbols: [
                ELFSymbol(name: "answer", section: 0, offset: 0, size: 8, kind: .function, isExported: true)
            ])
    }

    /// No code, no sections, no symbols.
    static let emptyImage = ELFImage(machine: 62, soname: "libempty.so", text: [], readOnlySections: [], symbols: [])

    /// Empty read-only sections, one page-aligned, with a zero-size symbol at the end of one.
    static let emptySectionsImage = ELFImage(
        machine: 62, soname: "libemptysections.so", text: x86Text,
        readOnlySections: [
            ELFSection(name: ".kiln.meta", bytes: [], alignment: 8),
            ELFSection(name: ".kiln.memimg", bytes: [], alignment: 4096),
        ],
        symbols: [
            ELFSymbol(name: "end", section: 2, offset: 0, size: 0, kind: .object, isExported: true)
        ])

    /// Wasm export names are any UTF-8 without NUL: non-ASCII, punctuation, spaces, the
    /// empty name, two byte-distinct spellings of "é" that Swift's `String ==` calls
    /// equal, a name exported twice, and names used by both a local and an export or by
    /// two locals.
    static let awkwardNames: [String] = [
        "héllo", "he\u{301}llo", "名前", "🔥 hot path", "a.b-c/d:e", "", "with\ttab", "answer",
        "twice", "twice",
    ]

    static func awkwardNamesImage(soname: String = "libnames.so") -> ELFImage {
        // Function i at offset 8*i: `mov eax, i; ret`.
        var text: [UInt8] = []
        var symbols: [ELFSymbol] = []
        for (i, name) in awkwardNames.enumerated() {
            symbols.append(
                ELFSymbol(
                    name: name, section: 0, offset: UInt64(text.count), size: 6, kind: .function,
                    isExported: true))
            text += [0xb8, UInt8(i), 0, 0, 0, 0xc3, 0xcc, 0xcc]
        }
        symbols.append(ELFSymbol(name: "answer", section: 0, offset: 0, size: 6, kind: .function, isExported: false))
        symbols.append(ELFSymbol(name: "local", section: 0, offset: 8, size: 6, kind: .function, isExported: false))
        symbols.append(ELFSymbol(name: "local", section: 0, offset: 16, size: 6, kind: .function, isExported: false))
        return ELFImage(machine: 62, soname: soname, text: text, readOnlySections: [], symbols: symbols)
    }
}

extension Fixtures {
    /// `count` exported functions `f0`, `f1`, ...: `fi` is `mov eax, i; ret`, 8 bytes apart.
    static func manyExportsImage(count: Int) -> ELFImage {
        var text: [UInt8] = []
        var symbols: [ELFSymbol] = []
        for i in 0..<count {
            symbols.append(
                ELFSymbol(
                    name: "f\(i)", section: 0, offset: UInt64(text.count), size: 6, kind: .function,
                    isExported: true))
            text += [0xb8] + withUnsafeBytes(of: UInt32(i).littleEndian, Array.init) + [0xc3, 0xcc, 0xcc]
        }
        return ELFImage(machine: 62, soname: "libmany.so", text: text, readOnlySections: [], symbols: symbols)
    }
}

/// An image with a name for parameterised tests.
struct NamedImage: Sendable, CustomTestStringConvertible {
    var name: String
    var image: ELFImage
    var testDescription: String { name }

    static let all: [NamedImage] = [
        NamedImage(name: "x86-64 answer", image: Fixtures.answerImage()),
        NamedImage(name: "AArch64 answer", image: Fixtures.aarch64AnswerImage()),
        NamedImage(name: "empty", image: Fixtures.emptyImage),
        NamedImage(name: "empty sections", image: Fixtures.emptySectionsImage),
        NamedImage(name: "awkward names", image: Fixtures.awkwardNamesImage()),
        NamedImage(name: "300 exports", image: Fixtures.manyExportsImage(count: 300)),
        NamedImage(name: "64 KiB pages", image: Fixtures.answerImage(pageSize: 65536)),
    ]
}
