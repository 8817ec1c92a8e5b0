@testable import KilnELF
import Testing

/// ``StringTable`` keeps its own hash index; these check it against the plain definition:
/// names in first-added order, each once, NUL-terminated, found again by their bytes.
@Suite struct StringTableTests {
    @Test func matchesAStraightforwardTable() {
        // Enough names to grow the index several times, with repeats, prefixes of each
        // other, and the empty name.
        var names: [[UInt8]] = [[]]
        for i in 0..<3000 {
            names.append(Array("f\(i % 1700)".utf8))
            if i % 7 == 0 { names.append(Array("f\(i % 170)".utf8.dropLast())) }
        }
        var table = StringTable()
        var expectedBytes: [UInt8] = [0]
        var expectedOffsets: [[UInt8]: UInt32] = [[]: 0]
        for name in names {
            let offset = table.add(name)
            if expectedOffsets[name] == nil {
                expectedOffsets[name] = UInt32(expectedBytes.count)
                expectedBytes += name + [0]
            }
            #expect(offset == expectedOffsets[name])
        }
        #expect(table.bytes == expectedBytes)
    }

    @Test func canonicallyEquivalentNamesStayDistinct() {
        var table = StringTable()
        let composed = table.add("\u{C5}")
        let decomposed = table.add("A\u{30A}")
        #expect(composed != decomposed)
        #expect(table.add("\u{C5}") == composed)
        #expect(table.add("") == 0)
        #expect(table.bytes == [0] + Array("\u{C5}".utf8) + [0] + Array("A\u{30A}".utf8) + [0])
    }
}
