import AsmX64
import KilnABI
import KilnCodegen

/// Float arithmetic, conversions and reinterpretation (SSE2 + SSE4.1 `rounds*`).
extension X64MacroAssembler {
    public mutating func floatBinary(_ op: FloatBinOp, _ size: FloatSize, dst: Reg, lhs: Reg, rhs: Reg) {
        guard dst == lhs else { return failInternally("float binary operations are two-operand") }
        let p: Precision = size == .f32 ? .s : .d
        let d = dst.xmm, s = rhs.xmm
        switch op {
        case .add: asm.sse(.add, p, d, s)
        case .sub: asm.sse(.sub, p, d, s)
        case .mul: asm.sse(.mul, p, d, s)
        case .div: asm.sse(.div, p, d, s)
        case .min, .max:
            // minss/maxss return the second operand for NaNs and for ±0 pairs; wasm wants
            // NaN propagation and min(-0, +0) = -0, max(-0, +0) = +0.
            let nan = newLabel(), normal = newLabel(), done = newLabel()
            asm.ucomis(p, d, s)
            jcc(.p, nan)
            jcc(.ne, normal)
            asm.logic(op == .min ? .or : .and, p, d, s)
            jump(done)
            bind(normal)
            asm.sse(op == .min ? .min : .max, p, d, s)
            jump(done)
            bind(nan)
            asm.sse(.add, p, d, s)
            bind(done)
        case .copysign:
            let w: Width = size == .f32 ? .l : .q
            asm.movFromXMM(w, .scratch, d)
            asm.movFromXMM(w, .scratch2, s)
            let bits: UInt8 = size == .f32 ? 31 : 63
            asm.shift(.shl, w, .scratch, imm8: 1)
            asm.shift(.shr, w, .scratch, imm8: 1)
            asm.shift(.shr, w, .scratch2, imm8: bits)
            asm.shift(.shl, w, .scratch2, imm8: bits)
            asm.alu(.or, w, .scratch, .scratch2)
            asm.movToXMM(w, d, .scratch)
        }
    }

    public mutating func floatUnary(_ op: FloatUnOp, _ size: FloatSize, dst: Reg, src: Reg) {
        let p: Precision = size == .f32 ? .s : .d
        let w: Width = size == .f32 ? .l : .q
        let d = dst.xmm, s = src.xmm
        switch op {
        case .abs:
            asm.movFromXMM(w, .scratch, s)
            asm.shift(.shl, w, .scratch, imm8: 1)
            asm.shift(.shr, w, .scratch, imm8: 1)
            asm.movToXMM(w, d, .scratch)
        case .neg:
            asm.movFromXMM(w, .scratch, s)
            if size == .f32 {
                asm.alu(.xor, .l, .scratch, imm32: Int32.min)
            } else {
                asm.movabsq(.scratch2, imm64: 1 << 63)
                asm.alu(.xor, .q, .scratch, .scratch2)
            }
            asm.movToXMM(w, d, .scratch)
        case .sqrt: asm.sse(.sqrt, p, d, s)
        case .ceil: asm.rounds(p, d, s, mode: .ceil)
        case .floor: asm.rounds(p, d, s, mode: .floor)
        case .trunc: asm.rounds(p, d, s, mode: .trunc)
        case .nearest: asm.rounds(p, d, s, mode: .nearest)
        }
    }

    public mutating func reinterpret(dst: Reg, src: Reg, _ size: OperandSize) {
        let w: Width = size == .s32 ? .l : .q
        if dst.isFloat {
            asm.movToXMM(w, dst.xmm, src.gpr)
        } else {
            asm.movFromXMM(w, dst.gpr, src.xmm)
        }
    }

    /// Compares `x` with a float constant (loaded through the scratch registers).
    mutating func compareConst(_ p: Precision, _ x: XMM, _ value: Double) {
        let bits = p == .s ? UInt64(Float(value).bitPattern) : value.bitPattern
        asm.movabsq(.scratch, imm64: bits)
        asm.movToXMM(p == .s ? .l : .q, .scratch, .scratch)
        asm.ucomis(p, x, .scratch)
    }

    public mutating func convert(_ kind: ConvertKind, dst: Reg, src: Reg) {
        switch kind {
        case .demote: asm.cvts2s(from: .d, dst.xmm, src.xmm)
        case .promote: asm.cvts2s(from: .s, dst.xmm, src.xmm)
        case .convert(let from, let to, let signed):
            convertToFloat(from, to == .f32 ? .s : .d, signed, dst.xmm, src.gpr)
        case .truncate(let from, let to, let signed, let saturating):
            truncate(from == .f32 ? .s : .d, to, signed, saturating, dst.gpr, src.xmm)
        }
    }

    mutating func convertToFloat(_ from: OperandSize, _ p: Precision, _ signed: Bool, _ d: XMM, _ s: GPR) {
        asm.logic(.xor, .s, d, d)  // break the dependency on d's old upper lanes
        if signed {
            asm.cvtsi2s(p, from == .s32 ? .l : .q, d, s)
        } else if from == .s32 {
            asm.mov(.l, .scratch, s)
            asm.cvtsi2s(p, .q, d, .scratch)
        } else {
            // u64: values with the top bit set are halved (keeping the low bit sticky
            // for correct rounding), converted, and doubled.
            let big = newLabel(), done = newLabel()
            asm.test(.q, s, s)
            jcc(.s, big)
            asm.cvtsi2s(p, .q, d, s)
            jump(done)
            bind(big)
            asm.mov(.q, .scratch, s)
            asm.shift(.shr, .q, .scratch, imm8: 1)
            asm.mov(.l, .scratch2, s)
            asm.alu(.and, .l, .scratch2, imm32: 1)
            asm.alu(.or, .q, .scratch, .scratch2)
            asm.cvtsi2s(p, .q, d, .scratch)
            asm.sse(.add, p, d, d)
            bind(done)
        }
    }

    /// Float -> integer truncation. Trapping forms check NaN (invalid conversion) and
    /// the exact representable range (integer overflow) before converting; saturating
    /// forms branch to the clamped constants instead.
    mutating func truncate(_ p: Precision, _ to: OperandSize, _ signed: Bool, _ saturating: Bool, _ d: GPR, _ x: XMM) {
        let done = newLabel()
        let tooLow = newLabel(), tooHigh = newLabel(), nan = newLabel()
        let is32 = to == .s32
        // NaN
        asm.ucomis(p, x, x)
        if saturating { jcc(.p, nan) } else { trapIf(.p, .invalidConversionToInteger) }
        // Lower bound: the result must be > lo (exclusive) for the trunc to fit.
        let lo: Double
        let loInclusiveTrap: Bool  // true: trap/clamp when x <= lo; false: when x < lo
        if signed {
            if is32 && p == .d {
                lo = -2147483649.0
                loInclusiveTrap = true
            } else {
                lo = is32 ? -2147483648.0 : -9223372036854775808.0
                loInclusiveTrap = false
            }
        } else {
            lo = -1.0
            loInclusiveTrap = true
        }
        compareConst(p, x, lo)
        if saturating {
            jcc(loInclusiveTrap ? .be : .b, tooLow)
        } else {
            trapIf(loInclusiveTrap ? .be : .b, .integerOverflow)
        }
        let hi: Double = signed ? (is32 ? 2147483648.0 : 9223372036854775808.0) : (is32 ? 4294967296.0 : 18446744073709551616.0)
        compareConst(p, x, hi)
        if saturating { jcc(.ae, tooHigh) } else { trapIf(.ae, .integerOverflow) }
        // In range.
        if signed {
            asm.cvtts2si(p, is32 ? .l : .q, d, x)
        } else if is32 {
            asm.cvtts2si(p, .q, d, x)
            asm.mov(.l, d, d)
        } else {
            let big = newLabel()
            compareConst(p, x, 9223372036854775808.0)
            jcc(.ae, big)
            asm.cvtts2si(p, .q, d, x)
            jump(done)
            bind(big)
            asm.movaps(.scratch2, x)
            asm.sse(.sub, p, .scratch2, .scratch)  // compareConst left 2^63 in the scratch xmm
            asm.cvtts2si(p, .q, d, .scratch2)
            asm.movabsq(.scratch, imm64: 1 << 63)
            asm.alu(.xor, .q, d, .scratch)
        }
        jump(done)
        bind(tooLow)
        if saturating {
            if signed { gprImm(d, is32 ? 0x8000_0000 : 1 << 63) } else { asm.alu(.xor, .l, d, d) }
            jump(done)
            bind(tooHigh)
            if signed {
                gprImm(d, is32 ? 0x7FFF_FFFF : UInt64(Int64.max))
            } else {
                gprImm(d, is32 ? 0xFFFF_FFFF : UInt64.max)
            }
            jump(done)
            bind(nan)
            asm.alu(.xor, .l, d, d)
        } else {
            bind(tooHigh)
            bind(nan)
        }
        bind(done)
    }
}
