import AsmAArch64
import KilnABI
import KilnCodegen

/// Float arithmetic, conversions and reinterpretation. A64 has wasm's semantics for most
/// of them in one instruction: `fmin`/`fmax` propagate NaN and order -0 below +0,
/// `frint*` are the four roundings, and `fcvtzs`/`fcvtzu` saturate (NaN to 0) exactly as
/// the `trunc_sat` operators want.
extension AArch64MacroAssembler {
    public mutating func floatBinary(_ op: FloatBinOp, _ size: FloatSize, dst: Reg, lhs: Reg, rhs: Reg) {
        let p: Precision = size == .f32 ? .s : .d
        let d = dst.v, n = lhs.v, m = rhs.v
        switch op {
        case .add: asm.fadd(p, d, n, m)
        case .sub: asm.fsub(p, d, n, m)
        case .mul: asm.fmul(p, d, n, m)
        case .div: asm.fdiv(p, d, n, m)
        case .min: asm.fmin(p, d, n, m)
        case .max: asm.fmax(p, d, n, m)
        case .copysign:
            // The sign bit of rhs over the other bits of lhs, in the integer registers.
            let w: Width = size == .f32 ? .w : .x
            asm.fmov(w, .scratch, n)
            asm.fmov(w, .addressScratch, m)
            asm.bfxil(w, .addressScratch, .scratch, lsb: 0, width: size == .f32 ? 31 : 63)
            asm.fmov(d, w, .addressScratch)
        }
    }

    public mutating func floatUnary(_ op: FloatUnOp, _ size: FloatSize, dst: Reg, src: Reg) {
        let p: Precision = size == .f32 ? .s : .d
        let d = dst.v, s = src.v
        switch op {
        case .abs: asm.fabs(p, d, s)
        case .neg: asm.fneg(p, d, s)
        case .sqrt: asm.fsqrt(p, d, s)
        case .ceil: asm.frintp(p, d, s)
        case .floor: asm.frintm(p, d, s)
        case .trunc: asm.frintz(p, d, s)
        case .nearest: asm.frintn(p, d, s)
        }
    }

    public mutating func reinterpret(dst: Reg, src: Reg, _ size: OperandSize) {
        let w: Width = size == .s32 ? .w : .x
        if dst.isFloat {
            asm.fmov(dst.v, w, src.x)
        } else {
            asm.fmov(w, dst.x, src.v)
        }
    }

    public mutating func convert(_ kind: ConvertKind, dst: Reg, src: Reg) {
        switch kind {
        case .demote: asm.fcvt(from: .d, dst.v, src.v)
        case .promote: asm.fcvt(from: .s, dst.v, src.v)
        case .convert(let from, let to, let signed):
            let p: Precision = to == .f32 ? .s : .d
            let w: Width = from == .s32 ? .w : .x
            if signed {
                asm.scvtf(p, dst.v, w, src.x)
            } else {
                asm.ucvtf(p, dst.v, w, src.x)
            }
        case .truncate(let from, let to, let signed, let saturating):
            let p: Precision = from == .f32 ? .s : .d
            let w: Width = to == .s32 ? .w : .x
            if !saturating { checkTruncation(p, to, signed, src.v) }
            if signed {
                asm.fcvtzs(w, dst.x, p, src.v)
            } else {
                asm.fcvtzu(w, dst.x, p, src.v)
            }
        }
    }

    /// Compares `x` with a float constant (in v31, built through x17).
    mutating func compareConstant(_ p: Precision, _ x: FPR, _ value: Double) {
        if Assembler.fpImmediate(value) != nil {
            asm.fmov(p, FPR.scratch, imm: value)
        } else {
            let bits = p == .s ? UInt64(Float(value).bitPattern) : value.bitPattern
            asm.materialize(p == .s ? .w : .x, .addressScratch, bits)
            asm.fmov(FPR.scratch, p == .s ? .w : .x, .addressScratch)
        }
        asm.fcmp(p, x, FPR.scratch)
    }

    /// The trapping truncations' checks before the (saturating) conversion: NaN is an
    /// invalid conversion, a value whose truncation does not fit is an overflow. The
    /// lower bound is exclusive where the float type can represent one below the
    /// integer range (`x > -2^31 - 1` for f64 -> i32, `x > -1` unsigned), inclusive
    /// otherwise (`x >= -2^31`); the upper bound is `x < 2^N` (or `2^(N-1)` signed).
    mutating func checkTruncation(_ p: Precision, _ to: OperandSize, _ signed: Bool, _ x: FPR) {
        let is32 = to == .s32
        asm.fcmp(p, x, x)
        branch(.vs, labels.trapLabel(.invalidConversionToInteger))
        let lo: Double
        let exclusive: Bool
        if signed {
            if is32 && p == .d {
                (lo, exclusive) = (-2147483649.0, true)
            } else {
                (lo, exclusive) = (is32 ? -2147483648.0 : -9223372036854775808.0, false)
            }
        } else {
            (lo, exclusive) = (-1.0, true)
        }
        compareConstant(p, x, lo)
        branch(exclusive ? .ls : .mi, labels.trapLabel(.integerOverflow))
        let hi: Double = signed ? (is32 ? 2147483648.0 : 9223372036854775808.0) : (is32 ? 4294967296.0 : 18446744073709551616.0)
        compareConstant(p, x, hi)
        branch(.ge, labels.trapLabel(.integerOverflow))
    }
}
