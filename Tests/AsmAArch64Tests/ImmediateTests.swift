import AsmAArch64
import Testing

/// The bitmask-immediate encoder against a brute-force decoder of every encoding, the
/// `fmov` immediate encoder against `VFPExpandImm`, and the constant materializer.
@Suite struct ImmediateTests {
    /// Every distinct 64-bit value with a logical-immediate encoding, with its element size.
    static let allBitmasks: [UInt64: Int] = {
        var values: [UInt64: Int] = [:]
        for n in 0...1 {
            for immr in 0..<64 {
                for imms in 0..<64 {
                    if let v = Reference.decodeBitMask(n: UInt8(n), immr: UInt8(immr), imms: UInt8(imms)) {
                        let len = 31 - (UInt32(n) << 6 | UInt32(~UInt8(imms) & 0x3F)).leadingZeroBitCount
                        values[v] = 1 << len
                    }
                }
            }
        }
        return values
    }()

    @Test func everyBitmaskEncodesAndDecodesBack() {
        #expect(Self.allBitmasks.count == 5334)
        for (v, size) in Self.allBitmasks {
            guard let li = LogicalImmediate(v, width: .x) else {
                Issue.record("no encoding for \(String(v, radix: 16))")
                continue
            }
            #expect(Reference.decodeBitMask(n: li.n, immr: li.immr, imms: li.imms) == v)
            #expect(Assembler.canEncodeLogicalImmediate(v, width: .x))
            // The same pattern as a 32-bit immediate exactly when it repeats every 32 bits.
            let low = v & 0xFFFF_FFFF
            if size <= 32 {
                guard let lw = LogicalImmediate(low, width: .w) else {
                    Issue.record("no 32-bit encoding for \(String(low, radix: 16))")
                    continue
                }
                #expect(lw.n == 0)
                #expect(Reference.decodeBitMask(n: lw.n, immr: lw.immr, imms: lw.imms)! & 0xFFFF_FFFF == low)
            }
        }
    }

    @Test func nonBitmasksAreRejected() {
        for v: UInt64 in [0, ~0, 0x1234, 0x5, 0x8000_0000_0000_0001 | 0x10, 0xFFFF_FFFF_0000_0002] {
            #expect(!Assembler.canEncodeLogicalImmediate(v, width: .x), "\(String(v, radix: 16))")
        }
        for v: UInt64 in [0, 0xFFFF_FFFF, 0x1234, 0xFFFF_FFFF_0000_0000] {
            #expect(!Assembler.canEncodeLogicalImmediate(v, width: .w), "\(String(v, radix: 16))")
        }
        // Every value one bit away from a bitmask: encodable exactly when it is a bitmask too.
        for v in Self.allBitmasks.keys {
            for bit in 0..<64 {
                let u = v ^ (1 << UInt64(bit))
                #expect((LogicalImmediate(u, width: .x) != nil) == (Self.allBitmasks[u] != nil))
            }
        }
        // The 32-bit view of every 32-bit value near the 32-bit patterns.
        for (v, size) in Self.allBitmasks where size <= 32 {
            for bit in 0..<32 {
                let u = (v ^ (1 << UInt64(bit))) & 0xFFFF_FFFF
                let expected = Self.allBitmasks[u | u << 32].map { $0 <= 32 } ?? false
                #expect((LogicalImmediate(u, width: .w) != nil) == expected)
            }
        }
    }

    @Test func rangeQueries() {
        for v: UInt64 in [0, 1, 4095, 0x1000, 0xFFF000, 0x1000 * 4095] {
            #expect(Assembler.canEncodeAddSubImmediate(v), "\(v)")
        }
        for v: UInt64 in [4097, 0x1001, 0x100_0000, 0xFFF001, ~0] {
            #expect(!Assembler.canEncodeAddSubImmediate(v), "\(v)")
        }
        #expect(Assembler.canEncodeLoadStoreOffset(32760, size: 8))
        #expect(!Assembler.canEncodeLoadStoreOffset(32768, size: 8))
        #expect(Assembler.canEncodeLoadStoreOffset(-256, size: 8))
        #expect(!Assembler.canEncodeLoadStoreOffset(-257, size: 8))
        #expect(Assembler.canEncodeLoadStoreOffset(255, size: 8))
        #expect(!Assembler.canEncodeLoadStoreOffset(257, size: 8))
        #expect(Assembler.canEncodeLoadStoreOffset(4095, size: 1))
        #expect(!Assembler.canEncodeLoadStoreOffset(4096, size: 1))
        #expect(Assembler.canEncodeLoadStoreOffset(16380, size: 4))
    }

    @Test func fpImmediatesRoundTrip() {
        for imm8 in 0...255 {
            let d = Reference.expandFPImmediate(UInt8(imm8))
            #expect(Assembler.fpImmediate(d) == UInt8(imm8), "\(d)")
            #expect(Double(Float(d)) == d)
        }
        for d in [0.0, -0.0, 0.1, 32.0, 0.0625, 1.0 / 3, .infinity, .nan, 1e300, 1.03125] {
            #expect(Assembler.fpImmediate(d) == nil, "\(d)")
        }
    }

    static let constants: [(Width, UInt64, Int)] = [
        (.x, 0, 1), (.x, 1, 1), (.x, 0xFFFF, 1), (.x, 0x1_0000, 1), (.x, 0xFFFF_0000_0000_0000, 1),
        (.x, 0x1234_0000_0000, 1), (.x, ~0, 1), (.x, 0xFFFF_FFFF_FFFF_FFFE, 1), (.x, 0xFFFF_1234_FFFF_FFFF, 1),
        (.x, 0x8000_0000_0000_0000, 1), (.x, 0x5555_5555_5555_5555, 1), (.x, 0x0000_FFFF_0000_FFFF, 1),
        (.x, 0xFFFF_FFFF_0000_0000, 1), (.x, 0x7FFF_FFFF_FFFF_FFFF, 1),
        (.x, 0xFFFF_FFFF, 1), (.x, 0xFFFF_1234, 1), (.x, 0x1234_5678, 2), (.x, 0x8000_0001, 1),
        (.x, 0x1234_0000_5678_0000, 2), (.x, 0xFFFF_FFFF_1234_5678, 2), (.x, 0x1234_FFFF_FFFF_5678, 2),
        (.x, 0x00FF_00FF_00FF_1234, 2), (.x, 0x1234_5555_5555_5555, 2),
        (.x, 0x1234_5678_9ABC_0000, 3), (.x, 0xFFFF_5678_9ABC_DEF0, 3),
        (.x, 0x1234_5678_0F0F_0F0F, 3), (.x, 0x1234_5678_9ABC_DEF0, 4), (.x, 0x8000_0000_0000_0001 | 0x1234_5678_0000, 3),
        (.w, 0, 1), (.w, 1, 1), (.w, 0xFFFF_FFFF, 1), (.w, 0xFFFF_1234, 1), (.w, 0x1234_FFFF, 1),
        (.w, 0x0F0F_0F0F, 1), (.w, 0x8000_0001, 1), (.w, 0x1234_5678, 2), (.w, 0x8000_0000, 1),
        (.w, 0x7FFF_FFFF, 1), (.w, 0xDEAD_BEEF, 2), (.w, 0x1_0000_0001, 1),
    ]

    @Test func materializerEmitsFewInstructionsWithTheRightValue() throws {
        for (w, value, count) in Self.constants {
            var asm = Assembler()
            let n = asm.materialize(w, .x9, value)
            #expect(n == count, "\(w) \(String(value, radix: 16))")
            #expect(asm.bytes.count == 4 * n)
            let expected = w == .x ? value : value & 0xFFFF_FFFF
            #expect(Reference.runConstantMoves(asm.bytes)?[9] == expected, "\(w) \(String(value, radix: 16))")
        }
        // Pseudo-random values: always right, never more than four instructions.
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            for w in [Width.x, .w] {
                var asm = Assembler()
                let n = asm.materialize(w, .x0, seed)
                #expect(n >= 1 && n <= (w == .x ? 4 : 2))
                #expect(Reference.runConstantMoves(asm.bytes)?[0] == (w == .x ? seed : seed & 0xFFFF_FFFF))
            }
        }
    }

    @Test func materializedSequenceDisassembles() throws {
        var asm = Assembler()
        asm.materialize(.x, .x0, 0x1234_5678_9ABC_DEF0)
        asm.materialize(.x, .x1, 0x00FF_00FF_00FF_1234)
        asm.materialize(.w, .x2, 0xFFFF_1234)
        asm.materialize(.x, .x3, 0xFFFF_FFFF_1234_5678)
        let lines = try Disassembler.disassemble(asm.bytes)
        #expect(lines == [
            "mov x0, #0xdef0", "movk x0, #0x9abc, lsl #16", "movk x0, #0x5678, lsl #32", "movk x0, #0x1234, lsl #48",
            "mov x1, #0xff00ff00ff00ff", "movk x1, #0x1234",
            "mov w2, #-0xedcc",
            "mov x3, #-0xa988", "movk x3, #0x1234, lsl #16",
        ])
    }
}
