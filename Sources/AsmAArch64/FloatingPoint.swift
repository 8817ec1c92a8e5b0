/// Scalar floating point, conversions between floating-point and general registers, and
/// the few SIMD forms the popcount sequence needs.
extension Assembler {
    // MARK: two sources: 0 0 0 11110 ftype 1 Rm opcode 10 Rn Rd

    @usableFromInline mutating func fpDataProcessing2(_ opcode: UInt32, _ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) {
        emit(0x1E20_0800 | p.ftype << 22 | rm.enc << 16 | opcode << 12 | rn.enc << 5 | rd.enc)
    }

    /// `fmul`
    public mutating func fmul(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b0000, p, rd, rn, rm) }
    /// `fdiv`
    public mutating func fdiv(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b0001, p, rd, rn, rm) }
    /// `fadd`
    public mutating func fadd(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b0010, p, rd, rn, rm) }
    /// `fsub`
    public mutating func fsub(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b0011, p, rd, rn, rm) }
    /// `fmax`: NaN if either is NaN, +0 > -0 (wasm's `max`).
    public mutating func fmax(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b0100, p, rd, rn, rm) }
    /// `fmin`: NaN if either is NaN, -0 < +0 (wasm's `min`).
    public mutating func fmin(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b0101, p, rd, rn, rm) }
    /// `fmaxnm`: IEEE maxNum (a quiet NaN loses).
    public mutating func fmaxnm(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b0110, p, rd, rn, rm) }
    /// `fminnm`: IEEE minNum.
    public mutating func fminnm(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b0111, p, rd, rn, rm) }
    /// `fnmul`: -(rn * rm).
    public mutating func fnmul(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR) { fpDataProcessing2(0b1000, p, rd, rn, rm) }

    // MARK: one source: 0 0 0 11110 ftype 1 opcode 10000 Rn Rd

    @usableFromInline mutating func fpDataProcessing1(_ opcode: UInt32, _ ftype: UInt32, _ rd: FPR, _ rn: FPR) {
        emit(0x1E20_4000 | ftype << 22 | opcode << 15 | rn.enc << 5 | rd.enc)
    }

    /// `fmov rd, rn` between floating-point registers.
    public mutating func fmov(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b000000, p.ftype, rd, rn) }
    /// `fabs`
    public mutating func fabs(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b000001, p.ftype, rd, rn) }
    /// `fneg`
    public mutating func fneg(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b000010, p.ftype, rd, rn) }
    /// `fsqrt`
    public mutating func fsqrt(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b000011, p.ftype, rd, rn) }
    /// `fcvt`: converts the `from` precision in rn to the other one in rd (f32<->f64).
    public mutating func fcvt(from p: Precision, _ rd: FPR, _ rn: FPR) {
        fpDataProcessing1(p == .s ? 0b000101 : 0b000100, p.ftype, rd, rn)
    }
    /// `frintn`: round to nearest, ties to even (wasm's `nearest`).
    public mutating func frintn(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b001000, p.ftype, rd, rn) }
    /// `frintp`: round toward +inf (`ceil`).
    public mutating func frintp(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b001001, p.ftype, rd, rn) }
    /// `frintm`: round toward -inf (`floor`).
    public mutating func frintm(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b001010, p.ftype, rd, rn) }
    /// `frintz`: round toward zero (`trunc`).
    public mutating func frintz(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b001011, p.ftype, rd, rn) }
    /// `frinta`: round to nearest, ties away from zero.
    public mutating func frinta(_ p: Precision, _ rd: FPR, _ rn: FPR) { fpDataProcessing1(0b001100, p.ftype, rd, rn) }

    // MARK: compare and select

    /// `fcmp rn, rm` (0 0 0 11110 ftype 1 Rm 00 1000 Rn 00000); unordered sets C and V.
    public mutating func fcmp(_ p: Precision, _ rn: FPR, _ rm: FPR) {
        emit(0x1E20_2000 | p.ftype << 22 | rm.enc << 16 | rn.enc << 5)
    }
    /// `fcmp rn, #0.0`
    public mutating func fcmpZero(_ p: Precision, _ rn: FPR) {
        emit(0x1E20_2008 | p.ftype << 22 | rn.enc << 5)
    }
    /// `fcsel rd, rn, rm, cond`: cond ? rn : rm.
    public mutating func fcsel(_ p: Precision, _ rd: FPR, _ rn: FPR, _ rm: FPR, _ cond: Condition) {
        emit(0x1E20_0C00 | p.ftype << 22 | rm.enc << 16 | UInt32(cond.rawValue) << 12 | rn.enc << 5 | rd.enc)
    }

    // MARK: immediate: 0 0 0 11110 ftype 1 imm8 100 00000 Rd

    /// The 8-bit `fmov` immediate of `value`: ±(16 + m)/16 × 2^e with m in 0...15 and e
    /// in -3...4 (e.g. 0.5, 1.0, 2.0, -1.25, 31.0); nil for anything else, 0.0 included.
    public static func fpImmediate(_ value: Double) -> UInt8? {
        let bits = value.bitPattern
        guard bits & 0x0000_FFFF_FFFF_FFFF == 0 else { return nil }
        let exp = (bits >> 52) & 0x7FF
        // exp = NOT(b):b:b:b:b:b:b:b:b:c:d
        let b = (exp >> 8) & 1
        let replicated = (exp >> 2) & 0xFF
        guard exp >> 10 == b ^ 1, replicated == (b == 1 ? 0xFF : 0) else { return nil }
        let sign: UInt64 = bits >> 63
        let cd: UInt64 = exp & 3
        let efgh: UInt64 = (bits >> 48) & 0xF
        let imm8: UInt64 = sign << 7 | b << 6 | cd << 4 | efgh
        return UInt8(imm8)
    }

    /// `fmov st|dt, #value` (see `fpImmediate` for the values that fit).
    public mutating func fmov(_ p: Precision, _ rd: FPR, imm value: Double) {
        guard let imm8 = Self.fpImmediate(value) else { preconditionFailure("not an fmov immediate: \(value)") }
        emit(0x1E20_1000 | p.ftype << 22 | UInt32(imm8) << 13 | rd.enc)
    }

    /// `movi dd, #0`: zeroes the whole vector register.
    public mutating func moviZero(_ rd: FPR) { emit(0x2F00_E400 | rd.enc) }

    // MARK: conversions with general registers: sf 0 0 11110 ftype 1 rmode opcode 000000 Rn Rd

    @usableFromInline mutating func fpIntConversion(
        _ w: Width, _ p: Precision, rmode: UInt32, opcode: UInt32, _ rd: UInt32, _ rn: UInt32
    ) {
        emit(w.sf << 31 | 0x1E20_0000 | p.ftype << 22 | rmode << 19 | opcode << 16 | rn << 5 | rd)
    }

    /// `scvtf st|dt, wn|xn`: signed integer to floating point.
    public mutating func scvtf(_ p: Precision, _ rd: FPR, _ w: Width, _ rn: GPR) {
        fpIntConversion(w, p, rmode: 0, opcode: 0b010, rd.enc, rn.rz)
    }
    /// `ucvtf st|dt, wn|xn`: unsigned integer to floating point.
    public mutating func ucvtf(_ p: Precision, _ rd: FPR, _ w: Width, _ rn: GPR) {
        fpIntConversion(w, p, rmode: 0, opcode: 0b011, rd.enc, rn.rz)
    }
    /// `fcvtzs wd|xd, sn|dn`: to signed integer, toward zero, saturating (NaN gives 0).
    public mutating func fcvtzs(_ w: Width, _ rd: GPR, _ p: Precision, _ rn: FPR) {
        fpIntConversion(w, p, rmode: 0b11, opcode: 0b000, rd.rz, rn.enc)
    }
    /// `fcvtzu wd|xd, sn|dn`: to unsigned integer, toward zero, saturating.
    public mutating func fcvtzu(_ w: Width, _ rd: GPR, _ p: Precision, _ rn: FPR) {
        fpIntConversion(w, p, rmode: 0b11, opcode: 0b001, rd.rz, rn.enc)
    }
    /// `fmov wd, sn` / `fmov xd, dn`: the bits, unchanged (`.w` pairs with S, `.x` with D).
    public mutating func fmov(_ w: Width, _ rd: GPR, _ rn: FPR) {
        fpIntConversion(w, w == .x ? .d : .s, rmode: 0, opcode: 0b110, rd.rz, rn.enc)
    }
    /// `fmov sd, wn` / `fmov dd, xn`: the bits, unchanged.
    public mutating func fmov(_ rd: FPR, _ w: Width, _ rn: GPR) {
        fpIntConversion(w, w == .x ? .d : .s, rmode: 0, opcode: 0b111, rd.enc, rn.rz)
    }

    // MARK: SIMD forms for popcount (fmov d, x; cnt v.8b; addv b, v.8b; fmov w, s)

    /// `cnt vd.8b, vn.8b`: the population count of each byte.
    public mutating func cnt8B(_ rd: FPR, _ rn: FPR) { emit(0x0E20_5800 | rn.enc << 5 | rd.enc) }
    /// `addv bd, vn.8b`: the sum of the eight bytes, into byte 0 (the rest zeroed).
    public mutating func addv8B(_ rd: FPR, _ rn: FPR) { emit(0x0E31_B800 | rn.enc << 5 | rd.enc) }
    /// `uaddlv hd, vn.8b`: the widened sum of the eight bytes.
    public mutating func uaddlv8B(_ rd: FPR, _ rn: FPR) { emit(0x2E30_3800 | rn.enc << 5 | rd.enc) }

    // MARK: SIMD shifts for copysign (ushr + sli moves one sign bit into another value)

    /// `ushr dd, dn, #shift` (scalar, 1...64): 01 1 111110 immh:immb 00000 1 Rn Rd,
    /// immh:immb = 128 - shift.
    public mutating func ushrD(_ rd: FPR, _ rn: FPR, shift: UInt8) {
        precondition(shift >= 1 && shift <= 64)
        emit(0x7F00_0400 | (128 - UInt32(shift)) << 16 | rn.enc << 5 | rd.enc)
    }
    /// `sli dd, dn, #shift` (scalar, 0...63): shifts left and inserts, keeping rd's low
    /// `shift` bits; immh:immb = 64 + shift.
    public mutating func sliD(_ rd: FPR, _ rn: FPR, shift: UInt8) {
        precondition(shift <= 63)
        emit(0x7F00_5400 | (64 + UInt32(shift)) << 16 | rn.enc << 5 | rd.enc)
    }
    /// `ushr vd.2s, vn.2s, #shift` (1...32; the f32 lane is lane 0): immh:immb = 64 - shift.
    public mutating func ushr2S(_ rd: FPR, _ rn: FPR, shift: UInt8) {
        precondition(shift >= 1 && shift <= 32)
        emit(0x2F00_0400 | (64 - UInt32(shift)) << 16 | rn.enc << 5 | rd.enc)
    }
    /// `sli vd.2s, vn.2s, #shift` (0...31): immh:immb = 32 + shift.
    public mutating func sli2S(_ rd: FPR, _ rn: FPR, shift: UInt8) {
        precondition(shift <= 31)
        emit(0x2F00_5400 | (32 + UInt32(shift)) << 16 | rn.enc << 5 | rd.enc)
    }
}
