/// The x86-64 instruction encoder: one method per instruction form, named after the
/// manual's mnemonic with an AT&T-style width suffix (`addq`, `movl`, `movsd`), each
/// appending its bytes to one growing buffer. Families that share an encoding row (the
/// ALU group, the shift group, the SSE scalar arithmetic) take the operation as a small
/// enum instead of one method per mnemonic; AsmX64Tests checks every form against
/// `llvm-objdump`.
public struct Assembler: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable public var offset: Int { bytes.count }

    // MARK: raw emission

    @inlinable public mutating func byte(_ b: UInt8) { bytes.append(b) }
    @inlinable public mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
        bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 24))
    }
    @inlinable public mutating func u64(_ v: UInt64) {
        u32(UInt32(truncatingIfNeeded: v))
        u32(UInt32(truncatingIfNeeded: v >> 32))
    }
    /// Overwrites 4 bytes at `at` (used to patch rel32 fields and frame sizes).
    @inlinable public mutating func patch32(at: Int, _ v: UInt32) {
        bytes[at] = UInt8(truncatingIfNeeded: v)
        bytes[at + 1] = UInt8(truncatingIfNeeded: v >> 8)
        bytes[at + 2] = UInt8(truncatingIfNeeded: v >> 16)
        bytes[at + 3] = UInt8(truncatingIfNeeded: v >> 24)
    }

    /// The r/m operand of a ModRM-encoded instruction.
    @usableFromInline enum RM {
        case reg(UInt8)
        case mem(Mem)
    }

    /// Emits `[prefix] [REX] opcode ModRM [SIB] [disp]`. `opcode` holds 1-3 bytes, most
    /// significant first (0x0FAF = `0F AF`). `byteRegs` forces a REX prefix when a byte
    /// register operand would otherwise mean ah/ch/dh/bh.
    @usableFromInline mutating func inst(
        _ prefix: UInt8 = 0, w: Bool, _ opcode: UInt32, reg: UInt8, rm: RM, byteRegs: Bool = false
    ) {
        if prefix != 0 { bytes.append(prefix) }
        var rex: UInt8 = w ? 0x48 : 0
        if reg & 8 != 0 { rex |= 0x44 }
        switch rm {
        case .reg(let r):
            if r & 8 != 0 { rex |= 0x41 }
            if byteRegs && (r & 0xF) >= 4 && (r & 0xF) <= 7 { rex |= 0x40 }
        case .mem(let m):
            if m.base.enc & 8 != 0 { rex |= 0x41 }
            if let i = m.index, i.enc & 8 != 0 { rex |= 0x42 }
        }
        if byteRegs && reg >= 4 && reg <= 7 { rex |= 0x40 }
        if rex != 0 { bytes.append(rex) }
        if opcode > 0xFFFF { bytes.append(UInt8(truncatingIfNeeded: opcode >> 16)) }
        if opcode > 0xFF { bytes.append(UInt8(truncatingIfNeeded: opcode >> 8)) }
        bytes.append(UInt8(truncatingIfNeeded: opcode))
        let r = (reg & 7) << 3
        switch rm {
        case .reg(let x):
            bytes.append(0xC0 | r | (x & 7))
        case .mem(let m):
            let base = m.base.enc & 7
            let mod: UInt8
            if m.disp == 0 && base != 5 {
                mod = 0
            } else if m.disp >= -128 && m.disp <= 127 {
                mod = 1
            } else {
                mod = 2
            }
            if let index = m.index {
                bytes.append(mod << 6 | r | 4)
                let ss: UInt8 = m.scale == 8 ? 3 : m.scale == 4 ? 2 : m.scale == 2 ? 1 : 0
                bytes.append(ss << 6 | (index.enc & 7) << 3 | base)
            } else if base == 4 {
                bytes.append(mod << 6 | r | 4)
                bytes.append(0x24)
            } else {
                bytes.append(mod << 6 | r | base)
            }
            if mod == 1 {
                bytes.append(UInt8(bitPattern: Int8(m.disp)))
            } else if mod == 2 {
                u32(UInt32(bitPattern: m.disp))
            }
        }
    }

    // MARK: moves

    /// `mov r/m, r` (MR form, `89 /r`).
    public mutating func mov(_ w: Width, _ dst: GPR, _ src: GPR) { inst(w: w.w, 0x89, reg: src.enc, rm: .reg(dst.enc)) }
    /// `mov r, r/m` load (`8B /r`).
    public mutating func mov(_ w: Width, _ dst: GPR, _ src: Mem) { inst(w: w.w, 0x8B, reg: dst.enc, rm: .mem(src)) }
    /// `mov r/m, r` store (`89 /r`).
    public mutating func mov(_ w: Width, _ dst: Mem, _ src: GPR) { inst(w: w.w, 0x89, reg: src.enc, rm: .mem(dst)) }
    /// `movw m16, r16` (`66 89 /r`).
    public mutating func movw(_ dst: Mem, _ src: GPR) { inst(0x66, w: false, 0x89, reg: src.enc, rm: .mem(dst)) }
    /// `movb m8, r8` (`88 /r`).
    public mutating func movb(_ dst: Mem, _ src: GPR) { inst(w: false, 0x88, reg: src.enc, rm: .mem(dst), byteRegs: true) }
    /// `movl r32, imm32` (`B8+rd id`), zero-extending.
    public mutating func movl(_ dst: GPR, imm32: UInt32) {
        if dst.enc >= 8 { bytes.append(0x41) }
        bytes.append(0xB8 + dst.low)
        u32(imm32)
    }
    /// `movabsq r64, imm64` (`REX.W B8+rd io`).
    public mutating func movabsq(_ dst: GPR, imm64: UInt64) {
        bytes.append(dst.enc >= 8 ? 0x49 : 0x48)
        bytes.append(0xB8 + dst.low)
        u64(imm64)
    }
    /// `movq r/m64, simm32` (`REX.W C7 /0 id`), sign-extending.
    public mutating func movq(_ dst: GPR, simm32: Int32) {
        inst(w: true, 0xC7, reg: 0, rm: .reg(dst.enc))
        u32(UInt32(bitPattern: simm32))
    }
    /// `mov m, imm32` (`C7 /0 id`); with `.q` the immediate is sign-extended.
    public mutating func mov(_ w: Width, _ dst: Mem, imm32: Int32) {
        inst(w: w.w, 0xC7, reg: 0, rm: .mem(dst))
        u32(UInt32(bitPattern: imm32))
    }
    /// `movzbl`/`movzwl`/`movsbl`/`movswl`/`movsbq`/`movswq`/`movslq` from memory.
    public mutating func movx(_ kind: ExtendingMove, _ dst: GPR, _ src: Mem) {
        inst(w: kind.w, kind.opcode, reg: dst.enc, rm: .mem(src))
    }
    /// The same extending moves from a register (the source's low byte/word/dword).
    public mutating func movx(_ kind: ExtendingMove, _ dst: GPR, _ src: GPR) {
        inst(w: kind.w, kind.opcode, reg: dst.enc, rm: .reg(src.enc), byteRegs: true)
    }
    /// `lea r64, m` (`REX.W 8D /r`).
    public mutating func leaq(_ dst: GPR, _ src: Mem) { inst(w: true, 0x8D, reg: dst.enc, rm: .mem(src)) }
    /// `lea r32/r64, m` (`8D /r`): the 32-bit form truncates the address to 32 bits
    /// (and zero-extends it), which is i32 addition.
    public mutating func lea(_ w: Width, _ dst: GPR, _ src: Mem) { inst(w: w.w, 0x8D, reg: dst.enc, rm: .mem(src)) }

    // MARK: integer arithmetic

    /// `op r/m, r` (`01`/`09`/`21`/`29`/`31`/`39 /r`).
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: GPR, _ src: GPR) {
        inst(w: w.w, UInt32(op.rawValue << 3 | 1), reg: src.enc, rm: .reg(dst.enc))
    }
    /// `op r, r/m` with a memory source (`03`/`0B`/... `/r`).
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: GPR, _ src: Mem) {
        inst(w: w.w, UInt32(op.rawValue << 3 | 3), reg: dst.enc, rm: .mem(src))
    }
    /// `op r/m, imm` (`83 /digit ib` when it fits, else `81 /digit id`).
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: GPR, imm32: Int32) {
        if imm32 >= -128 && imm32 <= 127 {
            inst(w: w.w, 0x83, reg: op.rawValue, rm: .reg(dst.enc))
            bytes.append(UInt8(bitPattern: Int8(imm32)))
        } else {
            inst(w: w.w, 0x81, reg: op.rawValue, rm: .reg(dst.enc))
            u32(UInt32(bitPattern: imm32))
        }
    }
    /// `cmp m, r`-style compare of a register with memory: `op r, m` (`3B /r` for cmp).
    public mutating func alu(_ op: ALUOp, _ w: Width, _ dst: Mem, imm32: Int32) {
        inst(w: w.w, 0x81, reg: op.rawValue, rm: .mem(dst))
        u32(UInt32(bitPattern: imm32))
    }
    /// `test r/m, r` (`85 /r`).
    public mutating func test(_ w: Width, _ a: GPR, _ b: GPR) { inst(w: w.w, 0x85, reg: b.enc, rm: .reg(a.enc)) }
    /// `imul r, r/m` (`0F AF /r`).
    public mutating func imul(_ w: Width, _ dst: GPR, _ src: GPR) { inst(w: w.w, 0x0FAF, reg: dst.enc, rm: .reg(src.enc)) }
    /// `imul r, r/m, imm32` (`69 /r id`).
    public mutating func imul(_ w: Width, _ dst: GPR, _ src: GPR, imm32: Int32) {
        inst(w: w.w, 0x69, reg: dst.enc, rm: .reg(src.enc))
        u32(UInt32(bitPattern: imm32))
    }
    /// The `F7` group: `not /2`, `neg /3`, `div /6`, `idiv /7`.
    public mutating func unary(_ op: UnaryOp, _ w: Width, _ r: GPR) { inst(w: w.w, 0xF7, reg: op.rawValue, rm: .reg(r.enc)) }
    /// `cltd` (`99`): sign-extend eax into edx.
    public mutating func cltd() { bytes.append(0x99) }
    /// `cqto` (`48 99`): sign-extend rax into rdx.
    public mutating func cqto() { bytes.append(0x48); bytes.append(0x99) }
    /// `op r/m, cl` (`D3 /digit`).
    public mutating func shift(_ op: ShiftOp, _ w: Width, _ r: GPR) { inst(w: w.w, 0xD3, reg: op.rawValue, rm: .reg(r.enc)) }
    /// `op r/m, imm8` (`C1 /digit ib`).
    public mutating func shift(_ op: ShiftOp, _ w: Width, _ r: GPR, imm8: UInt8) {
        inst(w: w.w, 0xC1, reg: op.rawValue, rm: .reg(r.enc))
        bytes.append(imm8)
    }
    /// `lzcnt`/`tzcnt`/`popcnt r, r/m` (`F3 0F BD`/`BC`/`B8`).
    public mutating func bitCount(_ op: BitCountOp, _ w: Width, _ dst: GPR, _ src: GPR) {
        inst(0xF3, w: w.w, op.rawValue, reg: dst.enc, rm: .reg(src.enc))
    }
    /// `setcc r/m8` (`0F 90+cc /0`).
    public mutating func setcc(_ cc: CondCode, _ dst: GPR) {
        inst(w: false, 0x0F90 | UInt32(cc.rawValue), reg: 0, rm: .reg(dst.enc), byteRegs: true)
    }
    /// `cmovcc r, r/m` (`0F 40+cc /r`).
    public mutating func cmov(_ cc: CondCode, _ w: Width, _ dst: GPR, _ src: GPR) {
        inst(w: w.w, 0x0F40 | UInt32(cc.rawValue), reg: dst.enc, rm: .reg(src.enc))
    }

    // MARK: control flow

    /// `jmp rel32` (`E9 cd`); returns the offset of the rel32 field.
    @discardableResult public mutating func jmp(rel32: Int32) -> Int {
        bytes.append(0xE9)
        let at = offset
        u32(UInt32(bitPattern: rel32))
        return at
    }
    /// `jcc rel32` (`0F 80+cc cd`); returns the offset of the rel32 field.
    @discardableResult public mutating func jcc(_ cc: CondCode, rel32: Int32) -> Int {
        bytes.append(0x0F)
        bytes.append(0x80 | cc.rawValue)
        let at = offset
        u32(UInt32(bitPattern: rel32))
        return at
    }
    /// `call rel32` (`E8 cd`); returns the offset of the rel32 field.
    @discardableResult public mutating func call(rel32: Int32) -> Int {
        bytes.append(0xE8)
        let at = offset
        u32(UInt32(bitPattern: rel32))
        return at
    }
    /// `call r/m64` (`FF /2`).
    public mutating func call(_ target: GPR) { inst(w: false, 0xFF, reg: 2, rm: .reg(target.enc)) }
    /// `call m64` (`FF /2`).
    public mutating func call(_ target: Mem) { inst(w: false, 0xFF, reg: 2, rm: .mem(target)) }
    /// `jmp r/m64` (`FF /4`).
    public mutating func jmp(_ target: GPR) { inst(w: false, 0xFF, reg: 4, rm: .reg(target.enc)) }
    /// `jmp m64` (`FF /4`).
    public mutating func jmp(_ target: Mem) { inst(w: false, 0xFF, reg: 4, rm: .mem(target)) }
    public mutating func ret() { bytes.append(0xC3) }
    /// `ret imm16` (`C2 iw`): returns and pops `imm16` bytes of stack arguments.
    public mutating func ret(imm16: UInt16) {
        bytes.append(0xC2)
        bytes.append(UInt8(truncatingIfNeeded: imm16))
        bytes.append(UInt8(truncatingIfNeeded: imm16 >> 8))
    }
    public mutating func leave() { bytes.append(0xC9) }
    public mutating func ud2() { bytes.append(0x0F); bytes.append(0x0B) }
    public mutating func push(_ r: GPR) {
        if r.enc >= 8 { bytes.append(0x41) }
        bytes.append(0x50 + r.low)
    }
    public mutating func pop(_ r: GPR) {
        if r.enc >= 8 { bytes.append(0x41) }
        bytes.append(0x58 + r.low)
    }
    /// `subq r/m64, imm32` always in the 4-byte form (`REX.W 81 /5 id`) so a frame size
    /// can be patched later; returns the offset of the immediate.
    public mutating func subqPatchable(_ r: GPR) -> Int {
        inst(w: true, 0x81, reg: 5, rm: .reg(r.enc))
        let at = offset
        u32(0)
        return at
    }

    // MARK: SSE

    /// `movss`/`movsd xmm, m` (`F3/F2 0F 10 /r`).
    public mutating func movs(_ p: Precision, _ dst: XMM, _ src: Mem) { inst(p.prefix, w: false, 0x0F10, reg: dst.enc, rm: .mem(src)) }
    /// `movss`/`movsd m, xmm` (`F3/F2 0F 11 /r`).
    public mutating func movs(_ p: Precision, _ dst: Mem, _ src: XMM) { inst(p.prefix, w: false, 0x0F11, reg: src.enc, rm: .mem(dst)) }
    /// `movaps xmm, xmm` (`0F 28 /r`): a full register copy.
    public mutating func movaps(_ dst: XMM, _ src: XMM) { inst(w: false, 0x0F28, reg: dst.enc, rm: .reg(src.enc)) }
    /// `movd xmm, r32` / `movq xmm, r64` (`66 [REX.W] 0F 6E /r`).
    public mutating func movToXMM(_ w: Width, _ dst: XMM, _ src: GPR) { inst(0x66, w: w.w, 0x0F6E, reg: dst.enc, rm: .reg(src.enc)) }
    /// `movd r32, xmm` / `movq r64, xmm` (`66 [REX.W] 0F 7E /r`).
    public mutating func movFromXMM(_ w: Width, _ dst: GPR, _ src: XMM) { inst(0x66, w: w.w, 0x0F7E, reg: src.enc, rm: .reg(dst.enc)) }
    /// Scalar arithmetic `addss`/`subsd`/... `xmm, xmm` (`F3/F2 0F op /r`).
    public mutating func sse(_ op: SSEOp, _ p: Precision, _ dst: XMM, _ src: XMM) {
        inst(p.prefix, w: false, op.rawValue, reg: dst.enc, rm: .reg(src.enc))
    }
    /// Packed logic `andps`/`andnps`/`orps`/`xorps` (`0F 54..57`); the `pd` forms add 66.
    public mutating func logic(_ op: SSELogicOp, _ p: Precision, _ dst: XMM, _ src: XMM) {
        inst(p == .d ? 0x66 : 0, w: false, op.rawValue, reg: dst.enc, rm: .reg(src.enc))
    }
    /// `ucomiss`/`ucomisd xmm, xmm` (`[66] 0F 2E /r`).
    public mutating func ucomis(_ p: Precision, _ a: XMM, _ b: XMM) {
        inst(p == .d ? 0x66 : 0, w: false, 0x0F2E, reg: a.enc, rm: .reg(b.enc))
    }
    /// `roundss`/`roundsd xmm, xmm, imm8` (`66 0F 3A 0A/0B /r ib`, SSE4.1).
    public mutating func rounds(_ p: Precision, _ dst: XMM, _ src: XMM, mode: RoundingMode) {
        inst(0x66, w: false, p == .s ? 0x0F3A0A : 0x0F3A0B, reg: dst.enc, rm: .reg(src.enc))
        bytes.append(mode.rawValue)
    }
    /// `cvtsi2ss`/`cvtsi2sd xmm, r32/r64` (`F3/F2 [REX.W] 0F 2A /r`).
    public mutating func cvtsi2s(_ p: Precision, _ w: Width, _ dst: XMM, _ src: GPR) {
        inst(p.prefix, w: w.w, 0x0F2A, reg: dst.enc, rm: .reg(src.enc))
    }
    /// `cvttss2si`/`cvttsd2si r32/r64, xmm` (`F3/F2 [REX.W] 0F 2C /r`).
    public mutating func cvtts2si(_ p: Precision, _ w: Width, _ dst: GPR, _ src: XMM) {
        inst(p.prefix, w: w.w, 0x0F2C, reg: dst.enc, rm: .reg(src.enc))
    }
    /// `cvtss2sd` (`p == .s`) / `cvtsd2ss` (`p == .d`) `xmm, xmm` (`F3/F2 0F 5A /r`).
    public mutating func cvts2s(from p: Precision, _ dst: XMM, _ src: XMM) {
        inst(p.prefix, w: false, 0x0F5A, reg: dst.enc, rm: .reg(src.enc))
    }
}

extension Precision {
    @usableFromInline var prefix: UInt8 { self == .s ? 0xF3 : 0xF2 }
}

/// The zero/sign-extending moves: opcode row and REX.W.
public enum ExtendingMove: Sendable {
    case movzbl, movzwl, movsbl, movswl, movsbq, movswq, movslq, movzbq, movzwq
    @usableFromInline var opcode: UInt32 {
        switch self {
        case .movzbl, .movzbq: return 0x0FB6
        case .movzwl, .movzwq: return 0x0FB7
        case .movsbl, .movsbq: return 0x0FBE
        case .movswl, .movswq: return 0x0FBF
        case .movslq: return 0x63
        }
    }
    @usableFromInline var w: Bool {
        switch self {
        case .movzbl, .movzwl, .movsbl, .movswl: return false
        default: return true
        }
    }
}

/// The `F7 /digit` unary group.
public enum UnaryOp: UInt8, Sendable { case not = 2, neg = 3, mul = 4, imul = 5, div = 6, idiv = 7 }

/// `F3 0F xx` bit counts (LZCNT, BMI1 TZCNT, POPCNT).
public enum BitCountOp: UInt32, Sendable { case lzcnt = 0x0FBD, tzcnt = 0x0FBC, popcnt = 0x0FB8 }

/// Scalar SSE arithmetic rows (`0F xx`).
public enum SSEOp: UInt32, Sendable {
    case add = 0x0F58, mul = 0x0F59, sub = 0x0F5C, min = 0x0F5D, div = 0x0F5E, max = 0x0F5F, sqrt = 0x0F51
}

/// Packed SSE logic rows (`0F xx`).
public enum SSELogicOp: UInt32, Sendable { case and = 0x0F54, andn = 0x0F55, or = 0x0F56, xor = 0x0F57 }

/// ROUNDSS/ROUNDSD immediate: rounding mode with the precision exception suppressed (bit 3).
public enum RoundingMode: UInt8, Sendable { case nearest = 0x08, floor = 0x09, ceil = 0x0A, trunc = 0x0B }
