extension GPR {
    /// The field value where encoding 31 means the zero register.
    @inlinable var rz: UInt32 {
        precondition(!isSP, "SP is not allowed in this operand")
        return enc
    }
    /// The field value where encoding 31 means SP.
    @inlinable var rsp: UInt32 {
        precondition(!isZR, "the zero register is not allowed in this operand")
        return enc
    }
}

/// Integer data processing: add/sub, logical, moves, bitfields and shifts, multiply and
/// divide, bit manipulation, conditional select.
extension Assembler {
    // MARK: add/sub (immediate): sf op S 100010 sh imm12 Rn Rd

    @usableFromInline mutating func addSubImmediate(
        sub: Bool, setFlags: Bool, _ w: Width, _ rd: GPR, _ rn: GPR, _ imm: UInt32, _ lsl12: Bool
    ) {
        precondition(imm < 4096, "add/sub immediate out of range")
        let d = setFlags ? rd.rz : rd.rsp
        emit(w.sf << 31 | (sub ? 1 : 0) << 30 | (setFlags ? 1 : 0) << 29 | 0x1100_0000
            | (lsl12 ? 1 : 0) << 22 | imm << 10 | rn.rsp << 5 | d)
    }

    /// `add rd|sp, rn|sp, #imm{, lsl #12}`
    public mutating func add(_ w: Width, _ rd: GPR, _ rn: GPR, imm: UInt32, lsl12: Bool = false) {
        addSubImmediate(sub: false, setFlags: false, w, rd, rn, imm, lsl12)
    }
    /// `adds rd, rn|sp, #imm{, lsl #12}`
    public mutating func adds(_ w: Width, _ rd: GPR, _ rn: GPR, imm: UInt32, lsl12: Bool = false) {
        addSubImmediate(sub: false, setFlags: true, w, rd, rn, imm, lsl12)
    }
    /// `sub rd|sp, rn|sp, #imm{, lsl #12}`
    public mutating func sub(_ w: Width, _ rd: GPR, _ rn: GPR, imm: UInt32, lsl12: Bool = false) {
        addSubImmediate(sub: true, setFlags: false, w, rd, rn, imm, lsl12)
    }
    /// `subs rd, rn|sp, #imm{, lsl #12}`
    public mutating func subs(_ w: Width, _ rd: GPR, _ rn: GPR, imm: UInt32, lsl12: Bool = false) {
        addSubImmediate(sub: true, setFlags: true, w, rd, rn, imm, lsl12)
    }
    /// `cmp rn|sp, #imm{, lsl #12}` (alias of `subs zr, ...`)
    public mutating func cmp(_ w: Width, _ rn: GPR, imm: UInt32, lsl12: Bool = false) {
        addSubImmediate(sub: true, setFlags: true, w, .zr, rn, imm, lsl12)
    }
    /// `cmn rn|sp, #imm{, lsl #12}` (alias of `adds zr, ...`)
    public mutating func cmn(_ w: Width, _ rn: GPR, imm: UInt32, lsl12: Bool = false) {
        addSubImmediate(sub: false, setFlags: true, w, .zr, rn, imm, lsl12)
    }

    // MARK: add/sub (shifted register): sf op S 01011 shift 0 Rm imm6 Rn Rd

    @usableFromInline mutating func addSubShifted(
        sub: Bool, setFlags: Bool, _ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ shift: Shift, _ amount: UInt8
    ) {
        precondition(shift != .ror, "add/sub take no ror")
        precondition(UInt32(amount) < w.bits, "shift amount out of range")
        emit(w.sf << 31 | (sub ? 1 : 0) << 30 | (setFlags ? 1 : 0) << 29 | 0x0B00_0000
            | UInt32(shift.rawValue) << 22 | rm.rz << 16 | UInt32(amount) << 10 | rn.rz << 5 | rd.rz)
    }

    /// `add rd, rn, rm{, shift #amount}`
    public mutating func add(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        addSubShifted(sub: false, setFlags: false, w, rd, rn, rm, shift, amount)
    }
    /// `adds rd, rn, rm{, shift #amount}`
    public mutating func adds(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        addSubShifted(sub: false, setFlags: true, w, rd, rn, rm, shift, amount)
    }
    /// `sub rd, rn, rm{, shift #amount}`
    public mutating func sub(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        addSubShifted(sub: true, setFlags: false, w, rd, rn, rm, shift, amount)
    }
    /// `subs rd, rn, rm{, shift #amount}`
    public mutating func subs(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        addSubShifted(sub: true, setFlags: true, w, rd, rn, rm, shift, amount)
    }
    /// `cmp rn, rm{, shift #amount}` (alias of `subs zr, ...`)
    public mutating func cmp(_ w: Width, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        addSubShifted(sub: true, setFlags: true, w, .zr, rn, rm, shift, amount)
    }
    /// `cmn rn, rm{, shift #amount}` (alias of `adds zr, ...`)
    public mutating func cmn(_ w: Width, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        addSubShifted(sub: false, setFlags: true, w, .zr, rn, rm, shift, amount)
    }
    /// `neg rd, rm{, shift #amount}` (alias of `sub rd, zr, ...`)
    public mutating func neg(_ w: Width, _ rd: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        addSubShifted(sub: true, setFlags: false, w, rd, .zr, rm, shift, amount)
    }
    /// `negs rd, rm{, shift #amount}` (alias of `subs rd, zr, ...`)
    public mutating func negs(_ w: Width, _ rd: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        addSubShifted(sub: true, setFlags: true, w, rd, .zr, rm, shift, amount)
    }

    // MARK: add/sub (extended register): sf op S 01011 00 1 Rm option imm3 Rn Rd

    @usableFromInline mutating func addSubExtended(
        sub: Bool, setFlags: Bool, _ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ extend: Extend, _ amount: UInt8
    ) {
        precondition(amount <= 4, "extended-register shift out of range")
        let d = setFlags ? rd.rz : rd.rsp
        emit(w.sf << 31 | (sub ? 1 : 0) << 30 | (setFlags ? 1 : 0) << 29 | 0x0B20_0000
            | rm.rz << 16 | UInt32(extend.rawValue) << 13 | UInt32(amount) << 10 | rn.rsp << 5 | d)
    }

    /// `add rd|sp, rn|sp, rm, extend{ #amount}`; `rm` is a W register for the byte,
    /// halfword and word extensions.
    public mutating func add(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, extend: Extend, amount: UInt8 = 0) {
        addSubExtended(sub: false, setFlags: false, w, rd, rn, rm, extend, amount)
    }
    /// `adds rd, rn|sp, rm, extend{ #amount}`
    public mutating func adds(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, extend: Extend, amount: UInt8 = 0) {
        addSubExtended(sub: false, setFlags: true, w, rd, rn, rm, extend, amount)
    }
    /// `sub rd|sp, rn|sp, rm, extend{ #amount}`
    public mutating func sub(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, extend: Extend, amount: UInt8 = 0) {
        addSubExtended(sub: true, setFlags: false, w, rd, rn, rm, extend, amount)
    }
    /// `subs rd, rn|sp, rm, extend{ #amount}`
    public mutating func subs(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, extend: Extend, amount: UInt8 = 0) {
        addSubExtended(sub: true, setFlags: true, w, rd, rn, rm, extend, amount)
    }
    /// `cmp rn|sp, rm, extend{ #amount}`
    public mutating func cmp(_ w: Width, _ rn: GPR, _ rm: GPR, extend: Extend, amount: UInt8 = 0) {
        addSubExtended(sub: true, setFlags: true, w, .zr, rn, rm, extend, amount)
    }

    // MARK: logical (shifted register): sf opc 01010 shift N Rm imm6 Rn Rd

    @usableFromInline mutating func logicalShifted(
        opc: UInt32, invert: Bool, _ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ shift: Shift, _ amount: UInt8
    ) {
        precondition(UInt32(amount) < w.bits, "shift amount out of range")
        emit(w.sf << 31 | opc << 29 | 0x0A00_0000 | UInt32(shift.rawValue) << 22 | (invert ? 1 : 0) << 21
            | rm.rz << 16 | UInt32(amount) << 10 | rn.rz << 5 | rd.rz)
    }

    /// `and rd, rn, rm{, shift #amount}`
    public mutating func and(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 0, invert: false, w, rd, rn, rm, shift, amount)
    }
    /// `bic rd, rn, rm{, shift #amount}`: rn AND NOT rm.
    public mutating func bic(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 0, invert: true, w, rd, rn, rm, shift, amount)
    }
    /// `orr rd, rn, rm{, shift #amount}`
    public mutating func orr(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 1, invert: false, w, rd, rn, rm, shift, amount)
    }
    /// `orn rd, rn, rm{, shift #amount}`: rn OR NOT rm.
    public mutating func orn(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 1, invert: true, w, rd, rn, rm, shift, amount)
    }
    /// `eor rd, rn, rm{, shift #amount}`
    public mutating func eor(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 2, invert: false, w, rd, rn, rm, shift, amount)
    }
    /// `eon rd, rn, rm{, shift #amount}`: rn XOR NOT rm.
    public mutating func eon(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 2, invert: true, w, rd, rn, rm, shift, amount)
    }
    /// `ands rd, rn, rm{, shift #amount}`
    public mutating func ands(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 3, invert: false, w, rd, rn, rm, shift, amount)
    }
    /// `bics rd, rn, rm{, shift #amount}`
    public mutating func bics(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 3, invert: true, w, rd, rn, rm, shift, amount)
    }
    /// `tst rn, rm{, shift #amount}` (alias of `ands zr, ...`)
    public mutating func tst(_ w: Width, _ rn: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 3, invert: false, w, .zr, rn, rm, shift, amount)
    }
    /// `mvn rd, rm{, shift #amount}` (alias of `orn rd, zr, ...`)
    public mutating func mvn(_ w: Width, _ rd: GPR, _ rm: GPR, shift: Shift = .lsl, amount: UInt8 = 0) {
        logicalShifted(opc: 1, invert: true, w, rd, .zr, rm, shift, amount)
    }
    /// `mov rd, rm` between general registers (alias of `orr rd, zr, rm`), or to or
    /// from SP (alias of `add rd, rn, #0`, since `orr` cannot name SP).
    public mutating func mov(_ w: Width, _ rd: GPR, _ rm: GPR) {
        if rd.isSP || rm.isSP {
            addSubImmediate(sub: false, setFlags: false, w, rd, rm, 0, false)
        } else {
            logicalShifted(opc: 1, invert: false, w, rd, .zr, rm, .lsl, 0)
        }
    }

    // MARK: logical (immediate): sf opc 100100 N immr imms Rn Rd

    @usableFromInline mutating func logicalImmediate(opc: UInt32, _ w: Width, _ rd: GPR, _ rn: GPR, _ imm: UInt64) {
        guard let li = LogicalImmediate(imm, width: w) else {
            preconditionFailure("not a logical immediate: \(imm)")
        }
        let d = opc == 3 ? rd.rz : rd.rsp
        emit(w.sf << 31 | opc << 29 | 0x1200_0000 | li.fields | rn.rz << 5 | d)
    }

    /// `and rd|sp, rn, #imm` (a bitmask immediate; see `canEncodeLogicalImmediate`)
    public mutating func and(_ w: Width, _ rd: GPR, _ rn: GPR, imm: UInt64) { logicalImmediate(opc: 0, w, rd, rn, imm) }
    /// `orr rd|sp, rn, #imm`
    public mutating func orr(_ w: Width, _ rd: GPR, _ rn: GPR, imm: UInt64) { logicalImmediate(opc: 1, w, rd, rn, imm) }
    /// `eor rd|sp, rn, #imm`
    public mutating func eor(_ w: Width, _ rd: GPR, _ rn: GPR, imm: UInt64) { logicalImmediate(opc: 2, w, rd, rn, imm) }
    /// `ands rd, rn, #imm`
    public mutating func ands(_ w: Width, _ rd: GPR, _ rn: GPR, imm: UInt64) { logicalImmediate(opc: 3, w, rd, rn, imm) }
    /// `tst rn, #imm` (alias of `ands zr, rn, #imm`)
    public mutating func tst(_ w: Width, _ rn: GPR, imm: UInt64) { logicalImmediate(opc: 3, w, .zr, rn, imm) }

    // MARK: move wide: sf opc 100101 hw imm16 Rd

    @usableFromInline mutating func moveWide(opc: UInt32, _ w: Width, _ rd: GPR, _ imm: UInt16, _ lsl: UInt8) {
        precondition(lsl % 16 == 0 && UInt32(lsl) < w.bits, "move-wide shift must be 0, 16 (, 32, 48)")
        emit(w.sf << 31 | opc << 29 | 0x1280_0000 | UInt32(lsl / 16) << 21 | UInt32(imm) << 5 | rd.rz)
    }

    /// `movz rd, #imm{, lsl #shift}`: rd = imm << shift.
    public mutating func movz(_ w: Width, _ rd: GPR, imm: UInt16, lsl: UInt8 = 0) { moveWide(opc: 2, w, rd, imm, lsl) }
    /// `movn rd, #imm{, lsl #shift}`: rd = NOT(imm << shift).
    public mutating func movn(_ w: Width, _ rd: GPR, imm: UInt16, lsl: UInt8 = 0) { moveWide(opc: 0, w, rd, imm, lsl) }
    /// `movk rd, #imm{, lsl #shift}`: replaces one halfword of rd.
    public mutating func movk(_ w: Width, _ rd: GPR, imm: UInt16, lsl: UInt8 = 0) { moveWide(opc: 3, w, rd, imm, lsl) }

    // MARK: bitfield: sf opc 100110 N immr imms Rn Rd; extract: sf 00 100111 N 0 Rm imms Rn Rd

    @usableFromInline mutating func bitfield(opc: UInt32, _ w: Width, _ rd: GPR, _ rn: GPR, _ immr: UInt8, _ imms: UInt8) {
        precondition(UInt32(immr) < w.bits && UInt32(imms) < w.bits, "bitfield position out of range")
        emit(w.sf << 31 | opc << 29 | 0x1300_0000 | w.sf << 22 | UInt32(immr) << 16 | UInt32(imms) << 10
            | rn.rz << 5 | rd.rz)
    }

    /// `sbfm rd, rn, #immr, #imms`
    public mutating func sbfm(_ w: Width, _ rd: GPR, _ rn: GPR, immr: UInt8, imms: UInt8) { bitfield(opc: 0, w, rd, rn, immr, imms) }
    /// `bfm rd, rn, #immr, #imms`
    public mutating func bfm(_ w: Width, _ rd: GPR, _ rn: GPR, immr: UInt8, imms: UInt8) { bitfield(opc: 1, w, rd, rn, immr, imms) }
    /// `ubfm rd, rn, #immr, #imms`
    public mutating func ubfm(_ w: Width, _ rd: GPR, _ rn: GPR, immr: UInt8, imms: UInt8) { bitfield(opc: 2, w, rd, rn, immr, imms) }

    /// `extr rd, rn, rm, #lsb`: bits lsb+width-1..lsb of the concatenation rn:rm.
    public mutating func extr(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, lsb: UInt8) {
        precondition(UInt32(lsb) < w.bits, "extr position out of range")
        emit(w.sf << 31 | 0x1380_0000 | w.sf << 22 | rm.rz << 16 | UInt32(lsb) << 10 | rn.rz << 5 | rd.rz)
    }

    /// `lsl rd, rn, #shift` (alias of `ubfm`), shift 1...width-1.
    public mutating func lsl(_ w: Width, _ rd: GPR, _ rn: GPR, shift: UInt8) {
        let bits = UInt8(w.bits)
        precondition(shift < bits, "shift out of range")
        ubfm(w, rd, rn, immr: (bits - shift) % bits, imms: bits - 1 - shift)
    }
    /// `lsr rd, rn, #shift` (alias of `ubfm`)
    public mutating func lsr(_ w: Width, _ rd: GPR, _ rn: GPR, shift: UInt8) {
        ubfm(w, rd, rn, immr: shift, imms: UInt8(w.bits) - 1)
    }
    /// `asr rd, rn, #shift` (alias of `sbfm`)
    public mutating func asr(_ w: Width, _ rd: GPR, _ rn: GPR, shift: UInt8) {
        sbfm(w, rd, rn, immr: shift, imms: UInt8(w.bits) - 1)
    }
    /// `ror rd, rs, #shift` (alias of `extr rd, rs, rs, #shift`)
    public mutating func ror(_ w: Width, _ rd: GPR, _ rs: GPR, shift: UInt8) { extr(w, rd, rs, rs, lsb: shift) }
    /// `sxtb rd, wn` (alias of `sbfm rd, rn, #0, #7`)
    public mutating func sxtb(_ w: Width, _ rd: GPR, _ rn: GPR) { sbfm(w, rd, rn, immr: 0, imms: 7) }
    /// `sxth rd, wn` (alias of `sbfm rd, rn, #0, #15`)
    public mutating func sxth(_ w: Width, _ rd: GPR, _ rn: GPR) { sbfm(w, rd, rn, immr: 0, imms: 15) }
    /// `sxtw xd, wn` (alias of `sbfm xd, xn, #0, #31`)
    public mutating func sxtw(_ rd: GPR, _ rn: GPR) { sbfm(.x, rd, rn, immr: 0, imms: 31) }
    /// `uxtb wd, wn` (alias of `ubfm wd, wn, #0, #7`); zero-extends into the X register too.
    public mutating func uxtb(_ rd: GPR, _ rn: GPR) { ubfm(.w, rd, rn, immr: 0, imms: 7) }
    /// `uxth wd, wn` (alias of `ubfm wd, wn, #0, #15`)
    public mutating func uxth(_ rd: GPR, _ rn: GPR) { ubfm(.w, rd, rn, immr: 0, imms: 15) }
    /// `ubfx rd, rn, #lsb, #width` (alias of `ubfm`): extracts `width` bits at `lsb`, zero-extended.
    public mutating func ubfx(_ w: Width, _ rd: GPR, _ rn: GPR, lsb: UInt8, width: UInt8) {
        precondition(width >= 1 && UInt32(lsb) + UInt32(width) <= w.bits)
        ubfm(w, rd, rn, immr: lsb, imms: lsb + width - 1)
    }
    /// `sbfx rd, rn, #lsb, #width` (alias of `sbfm`): extracts `width` bits at `lsb`, sign-extended.
    public mutating func sbfx(_ w: Width, _ rd: GPR, _ rn: GPR, lsb: UInt8, width: UInt8) {
        precondition(width >= 1 && UInt32(lsb) + UInt32(width) <= w.bits)
        sbfm(w, rd, rn, immr: lsb, imms: lsb + width - 1)
    }
    /// `bfi rd, rn, #lsb, #width` (alias of `bfm`): inserts the low `width` bits of rn at `lsb`.
    public mutating func bfi(_ w: Width, _ rd: GPR, _ rn: GPR, lsb: UInt8, width: UInt8) {
        let bits = UInt8(w.bits)
        precondition(width >= 1 && UInt32(lsb) + UInt32(width) <= w.bits)
        bfm(w, rd, rn, immr: (bits - lsb) % bits, imms: width - 1)
    }
    /// `bfxil rd, rn, #lsb, #width` (alias of `bfm`): copies `width` bits at `lsb` of rn to the bottom of rd.
    public mutating func bfxil(_ w: Width, _ rd: GPR, _ rn: GPR, lsb: UInt8, width: UInt8) {
        precondition(width >= 1 && UInt32(lsb) + UInt32(width) <= w.bits)
        bfm(w, rd, rn, immr: lsb, imms: lsb + width - 1)
    }

    // MARK: data processing, two sources: sf 0 0 11010110 Rm opcode Rn Rd

    @usableFromInline mutating func dataProcessing2(_ opcode: UInt32, _ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) {
        emit(w.sf << 31 | 0x1AC0_0000 | rm.rz << 16 | opcode << 10 | rn.rz << 5 | rd.rz)
    }

    /// `udiv rd, rn, rm` (division by zero gives 0; it does not trap)
    public mutating func udiv(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing2(0b000010, w, rd, rn, rm) }
    /// `sdiv rd, rn, rm` (division by zero gives 0, MIN / -1 gives MIN; neither traps)
    public mutating func sdiv(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing2(0b000011, w, rd, rn, rm) }
    /// `lsl rd, rn, rm` (alias of `lslv`; the shift is taken modulo the width, as in wasm)
    public mutating func lsl(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing2(0b001000, w, rd, rn, rm) }
    /// `lsr rd, rn, rm` (alias of `lsrv`)
    public mutating func lsr(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing2(0b001001, w, rd, rn, rm) }
    /// `asr rd, rn, rm` (alias of `asrv`)
    public mutating func asr(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing2(0b001010, w, rd, rn, rm) }
    /// `ror rd, rn, rm` (alias of `rorv`)
    public mutating func ror(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing2(0b001011, w, rd, rn, rm) }

    // MARK: data processing, one source: sf 1 0 11010110 00000 opcode Rn Rd

    @usableFromInline mutating func dataProcessing1(_ opcode: UInt32, _ w: Width, _ rd: GPR, _ rn: GPR) {
        emit(w.sf << 31 | 0x5AC0_0000 | opcode << 10 | rn.rz << 5 | rd.rz)
    }

    /// `rbit rd, rn`: reverses the bit order (`rbit` + `clz` counts trailing zeros).
    public mutating func rbit(_ w: Width, _ rd: GPR, _ rn: GPR) { dataProcessing1(0b000000, w, rd, rn) }
    /// `rev16 rd, rn`: reverses the bytes in each halfword.
    public mutating func rev16(_ w: Width, _ rd: GPR, _ rn: GPR) { dataProcessing1(0b000001, w, rd, rn) }
    /// `rev32 xd, xn`: reverses the bytes in each word.
    public mutating func rev32(_ rd: GPR, _ rn: GPR) { dataProcessing1(0b000010, .x, rd, rn) }
    /// `rev rd, rn`: reverses the byte order.
    public mutating func rev(_ w: Width, _ rd: GPR, _ rn: GPR) { dataProcessing1(w == .x ? 0b000011 : 0b000010, w, rd, rn) }
    /// `clz rd, rn`: count leading zeros (the width for 0).
    public mutating func clz(_ w: Width, _ rd: GPR, _ rn: GPR) { dataProcessing1(0b000100, w, rd, rn) }
    /// `cls rd, rn`: count leading sign bits.
    public mutating func cls(_ w: Width, _ rd: GPR, _ rn: GPR) { dataProcessing1(0b000101, w, rd, rn) }

    // MARK: data processing, three sources: sf 00 11011 op31 Rm o0 Ra Rn Rd

    @usableFromInline mutating func dataProcessing3(
        op31: UInt32, o0: UInt32, _ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ ra: GPR
    ) {
        emit(w.sf << 31 | 0x1B00_0000 | op31 << 21 | rm.rz << 16 | o0 << 15 | ra.rz << 10 | rn.rz << 5 | rd.rz)
    }

    /// `madd rd, rn, rm, ra`: ra + rn * rm.
    public mutating func madd(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ ra: GPR) {
        dataProcessing3(op31: 0, o0: 0, w, rd, rn, rm, ra)
    }
    /// `msub rd, rn, rm, ra`: ra - rn * rm (the remainder after a division).
    public mutating func msub(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ ra: GPR) {
        dataProcessing3(op31: 0, o0: 1, w, rd, rn, rm, ra)
    }
    /// `mul rd, rn, rm` (alias of `madd rd, rn, rm, zr`)
    public mutating func mul(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing3(op31: 0, o0: 0, w, rd, rn, rm, .zr) }
    /// `mneg rd, rn, rm` (alias of `msub rd, rn, rm, zr`)
    public mutating func mneg(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing3(op31: 0, o0: 1, w, rd, rn, rm, .zr) }
    /// `smull xd, wn, wm` (alias of `smaddl xd, wn, wm, xzr`): signed 32x32->64 multiply.
    public mutating func smull(_ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing3(op31: 0b001, o0: 0, .x, rd, rn, rm, .zr) }
    /// `umull xd, wn, wm` (alias of `umaddl xd, wn, wm, xzr`): unsigned 32x32->64 multiply.
    public mutating func umull(_ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing3(op31: 0b101, o0: 0, .x, rd, rn, rm, .zr) }
    /// `smulh xd, xn, xm`: the high 64 bits of the signed 128-bit product.
    public mutating func smulh(_ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing3(op31: 0b010, o0: 0, .x, rd, rn, rm, .zr) }
    /// `umulh xd, xn, xm`: the high 64 bits of the unsigned 128-bit product.
    public mutating func umulh(_ rd: GPR, _ rn: GPR, _ rm: GPR) { dataProcessing3(op31: 0b110, o0: 0, .x, rd, rn, rm, .zr) }

    // MARK: conditional select: sf op S 11010100 Rm cond op2 Rn Rd

    @usableFromInline mutating func conditionalSelect(
        op: UInt32, op2: UInt32, _ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ cond: Condition
    ) {
        emit(w.sf << 31 | op << 30 | 0x1A80_0000 | rm.rz << 16 | UInt32(cond.rawValue) << 12 | op2 << 10
            | rn.rz << 5 | rd.rz)
    }

    /// `csel rd, rn, rm, cond`: cond ? rn : rm.
    public mutating func csel(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ cond: Condition) {
        conditionalSelect(op: 0, op2: 0, w, rd, rn, rm, cond)
    }
    /// `csinc rd, rn, rm, cond`: cond ? rn : rm + 1.
    public mutating func csinc(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ cond: Condition) {
        conditionalSelect(op: 0, op2: 1, w, rd, rn, rm, cond)
    }
    /// `csinv rd, rn, rm, cond`: cond ? rn : NOT rm.
    public mutating func csinv(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ cond: Condition) {
        conditionalSelect(op: 1, op2: 0, w, rd, rn, rm, cond)
    }
    /// `csneg rd, rn, rm, cond`: cond ? rn : -rm.
    public mutating func csneg(_ w: Width, _ rd: GPR, _ rn: GPR, _ rm: GPR, _ cond: Condition) {
        conditionalSelect(op: 1, op2: 1, w, rd, rn, rm, cond)
    }
    /// `cset rd, cond` (alias of `csinc rd, zr, zr, invert(cond)`): cond ? 1 : 0.
    public mutating func cset(_ w: Width, _ rd: GPR, _ cond: Condition) {
        precondition(cond.rawValue < 14, "cset takes no al/nv")
        conditionalSelect(op: 0, op2: 1, w, rd, .zr, .zr, cond.inverted)
    }
    /// `csetm rd, cond` (alias of `csinv rd, zr, zr, invert(cond)`): cond ? -1 : 0.
    public mutating func csetm(_ w: Width, _ rd: GPR, _ cond: Condition) {
        precondition(cond.rawValue < 14, "csetm takes no al/nv")
        conditionalSelect(op: 1, op2: 0, w, rd, .zr, .zr, cond.inverted)
    }
    /// `cinc rd, rn, cond` (alias of `csinc rd, rn, rn, invert(cond)`): cond ? rn + 1 : rn.
    public mutating func cinc(_ w: Width, _ rd: GPR, _ rn: GPR, _ cond: Condition) {
        precondition(cond.rawValue < 14, "cinc takes no al/nv")
        conditionalSelect(op: 0, op2: 1, w, rd, rn, rn, cond.inverted)
    }
    /// `cneg rd, rn, cond` (alias of `csneg rd, rn, rn, invert(cond)`): cond ? -rn : rn.
    public mutating func cneg(_ w: Width, _ rd: GPR, _ rn: GPR, _ cond: Condition) {
        precondition(cond.rawValue < 14, "cneg takes no al/nv")
        conditionalSelect(op: 1, op2: 1, w, rd, rn, rn, cond.inverted)
    }

    // MARK: conditional compare: sf op 1 11010010 Rm|imm5 cond o2 0 Rn o3 nzcv

    /// `ccmp rn, rm, #nzcv, cond`: if cond, flags = compare(rn, rm), else flags = nzcv.
    public mutating func ccmp(_ w: Width, _ rn: GPR, _ rm: GPR, nzcv: UInt8, _ cond: Condition) {
        precondition(nzcv < 16)
        emit(w.sf << 31 | 0x7A40_0000 | rm.rz << 16 | UInt32(cond.rawValue) << 12 | rn.rz << 5 | UInt32(nzcv))
    }
    /// `ccmp rn, #imm5, #nzcv, cond`
    public mutating func ccmp(_ w: Width, _ rn: GPR, imm: UInt8, nzcv: UInt8, _ cond: Condition) {
        precondition(nzcv < 16 && imm < 32)
        emit(w.sf << 31 | 0x7A40_0800 | UInt32(imm) << 16 | UInt32(cond.rawValue) << 12 | rn.rz << 5 | UInt32(nzcv))
    }
}
