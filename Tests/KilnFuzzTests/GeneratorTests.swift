import Testing

@testable import KilnFuzz

/// The generator is deterministic and its modules are valid (judged by the reference).
@Suite struct GeneratorTests {
    @Test func sameSeedAndIndexGiveTheSameModule() {
        for index in 0..<20 as Range<UInt64> {
            #expect(ModuleGenerator.generate(seed: 9, index: index).encode() == ModuleGenerator.generate(seed: 9, index: index).encode())
        }
        #expect(ModuleGenerator.generate(seed: 9, index: 1).encode() != ModuleGenerator.generate(seed: 9, index: 2).encode())
        #expect(ModuleGenerator.generate(seed: 9, index: 1).encode() != ModuleGenerator.generate(seed: 10, index: 1).encode())
    }

    @Test func generatedModulesAreValid() {
        for index in 0..<150 as Range<UInt64> {
            let wasm = ModuleGenerator.generate(seed: 77, index: index).encode()
            let verdict = ReferenceRunner.validate(wasm)
            #expect(verdict == .valid || verdict == .validExceptActiveSegments, "module \(index): \(verdict)")
        }
    }

    @Test func generatedModulesCoverTheFeatureList() {
        var seen = Set<UInt8>()
        var prefixed = Set<UInt32>()
        for index in 0..<300 as Range<UInt64> {
            let module = ModuleGenerator.generate(seed: 5, index: index)
            for f in module.functions {
                let body = f.prologue + f.statements.flatMap { $0 } + f.epilogue
                seen.formUnion(body)
                for (i, b) in body.enumerated() where b == 0xFC && i + 1 < body.count { prefixed.insert(UInt32(body[i + 1])) }
            }
        }
        // Byte presence is a coarse proxy, but each of these opcodes is emitted only by the
        // feature named beside it, so a missing one means a feature was lost.
        let expected: [(UInt8, String)] = [
            (0x0E, "br_table"), (0x12, "return_call"), (0x13, "return_call_indirect"), (0x11, "call_indirect"),
            (0x1C, "typed select"), (0x25, "table.get"), (0x26, "table.set"), (0x40, "memory.grow"), (0xD2, "ref.func"),
        ]
        for (byte, name) in expected { #expect(seen.contains(byte), "\(name) never generated") }
        for sub in [0, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17] as [UInt32] {
            #expect(prefixed.contains(sub), "0xFC \(sub) never generated")
        }
    }

    @Test func leb128MatchesTheSpecExamples() {
        var e = WasmEncoder()
        e.unsigned(624485)
        #expect(e.bytes == [0xE5, 0x8E, 0x26])
        e = WasmEncoder()
        e.signed(-123456)
        #expect(e.bytes == [0xC0, 0xBB, 0x78])
        e = WasmEncoder()
        e.signed(64)
        #expect(e.bytes == [0xC0, 0x00])
    }
}
