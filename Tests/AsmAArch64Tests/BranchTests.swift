import AsmAArch64
import Testing

/// Pc-relative forms with labels (forward and backward) and raw offsets, disassembled;
/// and fixups out of reach, which must be reported rather than wrapped.
@Suite struct BranchTests {
    @Test func labelsResolveForwardAndBackward() throws {
        var a = Assembler()
        let back = a.newLabel(), fwd = a.newLabel(), pool = a.newLabel()
        a.bind(back)
        a.b(fwd)  // 0x0
        a.bl(back)  // 0x4
        a.b(.ne, fwd)  // 0x8
        a.b(.al, back)  // 0xc
        a.cbz(.w, .x0, back)  // 0x10
        a.cbnz(.x, .x30, fwd)  // 0x14
        a.tbz(.x0, bit: 63, fwd)  // 0x18
        a.tbnz(.x1, bit: 0, back)  // 0x1c
        a.tbz(.zr, bit: 31, fwd)  // 0x20
        a.adr(.x0, fwd)  // 0x24
        a.ldr(.x, .x1, pool)  // 0x28
        a.ldr(.d, .v0, pool)  // 0x2c
        a.ldr(.w, .x2, pool)  // 0x30
        a.ldr(.s, .v31, pool)  // 0x34
        a.bind(fwd)
        a.nop()  // 0x38
        a.align(16)  // 0x3c
        a.bind(pool)
        a.u64(0)  // 0x40
        try a.resolveFixups()
        let lines = try Disassembler.disassemble(a.bytes)
        let expected = [
            "b 0x38", "bl 0x0", "b.ne 0x38", "b.al 0x0", "cbz w0, 0x0", "cbnz x30, 0x38", "tbz x0, #0x3f, 0x38",
            "tbnz w1, #0x0, 0x0", "tbz wzr, #0x1f, 0x38", "adr x0, 0x38", "ldr x1, 0x40", "ldr d0, 0x40",
            "ldr w2, 0x40", "ldr s31, 0x40", "nop", "nop",
        ]
        #expect(Array(lines.prefix(expected.count)) == expected)
    }

    @Test func rawOffsets() throws {
        var a = Assembler()
        a.b(offset: 0x7FF_FFFC)  // 0x0
        a.bl(offset: 8)  // 0x4
        a.b(.gt, offset: 0xF_FFFC)  // 0x8
        a.cbz(.x, .x3, offset: 0x10)  // 0xc
        a.cbnz(.w, .x4, offset: -0xc)  // 0x10
        a.tbz(.x5, bit: 32, offset: 0x7FFC)  // 0x14
        a.tbnz(.x6, bit: 1, offset: -0x18)  // 0x18
        a.adr(.x7, offset: 0xF_FFFF)  // 0x1c
        a.adr(.x8, offset: -0x1c)  // 0x20
        a.adrp(.x9, pages: 1)  // 0x24
        a.adrp(.x10, pages: 0xF_FFFF)  // 0x28
        a.ldr(.x, .x11, literalOffset: 0xF_FFFC)  // 0x2c
        a.ldr(.d, .v1, literalOffset: -0x30)  // 0x30
        let lines = try Disassembler.disassemble(a.bytes)
        #expect(lines == [
            "b 0x7fffffc", "bl 0xc", "b.gt 0x100004", "cbz x3, 0x1c", "cbnz w4, 0x4", "tbz x5, #0x20, 0x8010",
            "tbnz w6, #0x1, 0x0", "adr x7, 0x10001b", "adr x8, 0x4", "adrp x9, 0x1000", "adrp x10, 0xfffff000",
            "ldr x11, 0x100028", "ldr d1, 0x0",
        ])
        // The negative ends of the fields, checked by their words.
        var n = Assembler()
        n.b(offset: -0x800_0000)
        n.b(.eq, offset: -0x10_0000)
        n.tbz(.x0, bit: 0, offset: -0x8000)
        n.adr(.x0, offset: -0x10_0000)
        n.adrp(.x0, pages: -0x10_0000)
        #expect(n.word(at: 0) == 0x1600_0000)
        #expect(n.word(at: 4) == 0x5480_0000)
        #expect(n.word(at: 8) == 0x3604_0000)
        #expect(n.word(at: 12) == 0x1080_0000)
        #expect(n.word(at: 16) == 0x9080_0000)
    }

    /// `form` instructions to a label `distance` bytes away (forward, or backward when
    /// negative), after resolving.
    static func branch(distance: Int, _ emitBranch: (inout Assembler, AsmLabel) -> Void) -> Result<UInt32, FixupError> {
        var a = Assembler(capacity: abs(distance) + 16)
        let l = a.newLabel()
        var at = 0
        if distance < 0 {
            a.bind(l)
            for _ in 0..<(-distance / 4) { a.nop() }
            at = a.offset
            emitBranch(&a, l)
        } else {
            emitBranch(&a, l)
            for _ in 0..<(distance / 4 - 1) { a.nop() }
            a.bind(l)
        }
        do {
            try a.resolveFixups()
            return .success(a.word(at: at))
        } catch {
            return .failure(error)
        }
    }

    @Test func outOfRangeFixupsAreReported() {
        // tbz: ±32 KiB.
        let tbz: (inout Assembler, AsmLabel) -> Void = { $0.tbz(.x0, bit: 3, $1) }
        #expect(Self.branch(distance: 0x7FFC, tbz) == .success(0x361B_FFE0))
        #expect(Self.branch(distance: 0x8000, tbz) == .failure(.outOfRange(at: 0, delta: 0x8000, form: .imm14)))
        #expect(Self.branch(distance: -0x8000, tbz) == .success(0x361C_0000))
        #expect(Self.branch(distance: -0x8004, tbz) == .failure(.outOfRange(at: 0x8004, delta: -0x8004, form: .imm14)))
        // b.cond and cbz: ±1 MiB.
        let bcond: (inout Assembler, AsmLabel) -> Void = { $0.b(.lt, $1) }
        #expect(Self.branch(distance: 0xF_FFFC, bcond) == .success(0x547F_FFEB))
        #expect(Self.branch(distance: 0x10_0000, bcond) == .failure(.outOfRange(at: 0, delta: 0x10_0000, form: .imm19)))
        let cbz: (inout Assembler, AsmLabel) -> Void = { $0.cbz(.x, .x1, $1) }
        #expect(Self.branch(distance: -0x10_0000, cbz) == .success(0xB480_0001))
        #expect(
            Self.branch(distance: -0x10_0004, cbz) == .failure(.outOfRange(at: 0x10_0004, delta: -0x10_0004, form: .imm19)))
        // b/bl: ±128 MiB, through the patching primitive (no 128 MiB buffer needed).
        var a = Assembler()
        a.b(offset: 0)
        #expect(throws: FixupError.outOfRange(at: 0, delta: 0x800_0000, form: .imm26)) {
            try a.patchBranch(at: 0, to: 0x800_0000, form: .imm26)
        }
        #expect(throws: FixupError.outOfRange(at: 0, delta: -0x800_0004, form: .imm26)) {
            try a.patchBranch(at: 0, to: -0x800_0004, form: .imm26)
        }
        #expect(throws: FixupError.outOfRange(at: 0, delta: 6, form: .imm26)) {
            try a.patchBranch(at: 0, to: 6, form: .imm26)
        }
        #expect(throws: Never.self) { try a.patchBranch(at: 0, to: 0x7FF_FFFC, form: .imm26) }
        #expect(a.word(at: 0) == 0x15FF_FFFF)
        // adr: ±1 MiB in bytes.
        #expect(throws: FixupError.outOfRange(at: 0, delta: 0x10_0000, form: .adr21)) {
            try a.patchBranch(at: 0, to: 0x10_0000, form: .adr21)
        }
        // A label never bound.
        var u = Assembler()
        let l = u.newLabel()
        u.nop()
        u.b(l)
        #expect(throws: FixupError.unboundLabel(at: 4, label: l)) { try u.resolveFixups() }
    }
}
