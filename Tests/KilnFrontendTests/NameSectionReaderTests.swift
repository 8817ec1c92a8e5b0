@testable import KilnFrontend
import Testing
import WasmParser

/// `NameSectionReader` replaces WasmParser's `NameSectionParser` for speed; these check it
/// gives the same function names, and ignores the same malformed sections, on valid
/// sections and on many corruptions of them.
@Suite struct NameSectionReaderTests {
    /// What the decoder did before: WasmParser's parser, the last function subsection.
    func reference(_ bytes: [UInt8]) -> [UInt32: String] {
        var names = NameSectionParser(stream: StaticByteStreamSource(bytes: bytes[...]))
        guard let parsed = try? names.parseAll() else { return [:] }
        var result: [UInt32: String] = [:]
        for case .functions(let map) in parsed { result = map }
        return result
    }

    func leb(_ value: UInt32) -> [UInt8] {
        var v = value
        var out: [UInt8] = []
        repeat {
            var b = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { b |= 0x80 }
            out.append(b)
        } while v != 0
        return out
    }

    func name(_ s: String) -> [UInt8] { leb(UInt32(s.utf8.count)) + Array(s.utf8) }

    func subsection(_ id: UInt8, _ body: [UInt8]) -> [UInt8] { [id] + leb(UInt32(body.count)) + body }

    func nameMap(_ entries: [(UInt32, String)]) -> [UInt8] {
        leb(UInt32(entries.count)) + entries.flatMap { leb($0.0) + name($0.1) }
    }

    /// Well-formed sections covering every subsection kind.
    var samples: [[UInt8]] {
        let functions = nameMap([(0, "main"), (1, "f\u{E9}"), (300, "\u{1F600}"), (1, "again"), (2, "")])
        let locals = leb(2) + leb(0) + nameMap([(0, "x"), (1, "y")]) + leb(5) + nameMap([])
        return [
            [],
            subsection(1, functions),
            subsection(0, name("module")) + subsection(1, functions) + subsection(2, locals),
            subsection(1, nameMap([(7, "first")])) + subsection(4, nameMap([(0, "t")])) + subsection(1, nameMap([(8, "second")])),
            subsection(3, locals) + subsection(9, nameMap([(0, "d")])) + subsection(42, [1, 2, 3]) + subsection(1, functions),
            subsection(1, leb(1) + [0x80, 0x80, 0x80, 0x80, 0x0F] + name("max")),
        ]
    }

    @Test func sameNamesOnWellFormedSections() {
        for sample in samples {
            #expect(NameSectionReader(sample[...]).functionNamesOrEmpty == reference(sample))
        }
        #expect(reference(samples[1]).count == 4)
    }

    @Test func sameOutcomeOnCorruptedSections() {
        var rng = SystemRandomNumberGenerator()
        let interesting: [UInt8] = [0x00, 0x01, 0x02, 0x09, 0x0A, 0x7F, 0x80, 0xFF, 0xC0, 0xED, 0xF4, 0x10, 0x1F]
        for sample in samples where !sample.isEmpty {
            // Every truncation.
            for end in 0..<sample.count {
                let cut = Array(sample[..<end])
                #expect(NameSectionReader(cut[...]).functionNamesOrEmpty == reference(cut))
            }
            // Every single-byte change to an interesting value, then random multi-byte ones.
            for at in sample.indices {
                for value in interesting {
                    var changed = sample
                    changed[at] = value
                    #expect(NameSectionReader(changed[...]).functionNamesOrEmpty == reference(changed))
                }
            }
            for _ in 0..<300 {
                var changed = sample
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    changed[Int.random(in: changed.indices, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                #expect(NameSectionReader(changed[...]).functionNamesOrEmpty == reference(changed), "\(changed)")
            }
        }
    }

    @Test func readsASliceAtItsOwnIndices() {
        let section = samples[1]
        let padded = [0xAA, 0xBB] + section + [0xCC]
        #expect(NameSectionReader(padded[2..<(2 + section.count)]).functionNamesOrEmpty == reference(section))
    }
}

extension NameSectionReader {
    fileprivate var functionNamesOrEmpty: [UInt32: String] {
        var reader = self
        return reader.functionNames() ?? [:]
    }
}
