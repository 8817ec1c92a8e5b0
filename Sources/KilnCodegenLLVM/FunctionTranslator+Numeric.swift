import CLLVM
import KilnABI
import KilnCodegen
import WasmParser
import WasmTypes

extension FunctionTranslator {
    func intrinsic(_ name: String, _ types: [LLVMTypeRef], _ args: [LLVMValueRef]) -> LLVMValueRef {
        module.callIntrinsic(name, types, args, in: builder)
    }

    mutating func compare(_ cmp: Instruction.Cmp) {
        let rhs = pop(), lhs = pop()
        let result: LLVMValueRef
        func icmp(_ p: LLVMIntPredicate) -> LLVMValueRef { LLVMBuildICmp(builder, p, lhs, rhs, "") }
        func fcmp(_ p: LLVMRealPredicate) -> LLVMValueRef { LLVMBuildFCmp(builder, p, lhs, rhs, "") }
        switch cmp {
        case .i32Eq, .i64Eq: result = icmp(LLVMIntEQ)
        case .i32Ne, .i64Ne: result = icmp(LLVMIntNE)
        case .i32LtS, .i64LtS: result = icmp(LLVMIntSLT)
        case .i32LtU, .i64LtU: result = icmp(LLVMIntULT)
        case .i32GtS, .i64GtS: result = icmp(LLVMIntSGT)
        case .i32GtU, .i64GtU: result = icmp(LLVMIntUGT)
        case .i32LeS, .i64LeS: result = icmp(LLVMIntSLE)
        case .i32LeU, .i64LeU: result = icmp(LLVMIntULE)
        case .i32GeS, .i64GeS: result = icmp(LLVMIntSGE)
        case .i32GeU, .i64GeU: result = icmp(LLVMIntUGE)
        case .f32Eq, .f64Eq: result = fcmp(LLVMRealOEQ)
        case .f32Ne, .f64Ne: result = fcmp(LLVMRealUNE)
        case .f32Lt, .f64Lt: result = fcmp(LLVMRealOLT)
        case .f32Gt, .f64Gt: result = fcmp(LLVMRealOGT)
        case .f32Le, .f64Le: result = fcmp(LLVMRealOLE)
        case .f32Ge, .f64Ge: result = fcmp(LLVMRealOGE)
        }
        push(LLVMBuildZExt(builder, result, ir.i32, ""))
    }

    mutating func unary(_ op: Instruction.Unary) {
        let x = pop()
        let type = LLVMTypeOf(x)!
        let f = ir.constInt(ir.i1, 0)
        switch op {
        case .i32Clz, .i64Clz: push(intrinsic("llvm.ctlz", [type], [x, f]))
        case .i32Ctz, .i64Ctz: push(intrinsic("llvm.cttz", [type], [x, f]))
        case .i32Popcnt, .i64Popcnt: push(intrinsic("llvm.ctpop", [type], [x]))
        case .f32Abs, .f64Abs: push(intrinsic("llvm.fabs", [type], [x]))
        case .f32Neg, .f64Neg: push(LLVMBuildFNeg(builder, x, ""))
        case .f32Ceil, .f64Ceil: push(intrinsic("llvm.ceil", [type], [x]))
        case .f32Floor, .f64Floor: push(intrinsic("llvm.floor", [type], [x]))
        case .f32Trunc, .f64Trunc: push(intrinsic("llvm.trunc", [type], [x]))
        case .f32Nearest, .f64Nearest: push(intrinsic("llvm.roundeven", [type], [x]))
        case .f32Sqrt, .f64Sqrt: push(intrinsic("llvm.sqrt", [type], [x]))
        case .i32Extend8S, .i64Extend8S: push(signExtend(x, from: ir.i8))
        case .i32Extend16S, .i64Extend16S: push(signExtend(x, from: ir.i16))
        case .i64Extend32S: push(signExtend(x, from: ir.i32))
        }
    }

    func signExtend(_ x: LLVMValueRef, from narrow: LLVMTypeRef) -> LLVMValueRef {
        LLVMBuildSExt(builder, LLVMBuildTrunc(builder, x, narrow, ""), LLVMTypeOf(x), "")
    }

    mutating func binary(_ op: Instruction.Binary) {
        let rhs = pop(), lhs = pop()
        let type = LLVMTypeOf(lhs)!
        let bits: UInt64 = type == ir.i32 ? 32 : 64
        func mask(_ count: LLVMValueRef) -> LLVMValueRef {
            LLVMBuildAnd(builder, count, ir.constInt(type, bits - 1), "")
        }
        switch op {
        case .i32Add, .i64Add: push(LLVMBuildAdd(builder, lhs, rhs, ""))
        case .i32Sub, .i64Sub: push(LLVMBuildSub(builder, lhs, rhs, ""))
        case .i32Mul, .i64Mul: push(LLVMBuildMul(builder, lhs, rhs, ""))
        case .i32And, .i64And: push(LLVMBuildAnd(builder, lhs, rhs, ""))
        case .i32Or, .i64Or: push(LLVMBuildOr(builder, lhs, rhs, ""))
        case .i32Xor, .i64Xor: push(LLVMBuildXor(builder, lhs, rhs, ""))
        case .i32Shl, .i64Shl: push(LLVMBuildShl(builder, lhs, mask(rhs), ""))
        case .i32ShrS, .i64ShrS: push(LLVMBuildAShr(builder, lhs, mask(rhs), ""))
        case .i32ShrU, .i64ShrU: push(LLVMBuildLShr(builder, lhs, mask(rhs), ""))
        case .i32Rotl, .i64Rotl: push(intrinsic("llvm.fshl", [type], [lhs, lhs, rhs]))
        case .i32Rotr, .i64Rotr: push(intrinsic("llvm.fshr", [type], [lhs, lhs, rhs]))
        case .i32DivU, .i64DivU:
            trapIfZero(rhs)
            push(LLVMBuildUDiv(builder, lhs, rhs, ""))
        case .i32RemU, .i64RemU:
            trapIfZero(rhs)
            push(LLVMBuildURem(builder, lhs, rhs, ""))
        case .i32DivS, .i64DivS:
            trapIfZero(rhs)
            let minimum = ir.constInt(type, bits == 32 ? 0x8000_0000 : 0x8000_0000_0000_0000)
            let overflow = LLVMBuildAnd(
                builder, LLVMBuildICmp(builder, LLVMIntEQ, lhs, minimum, ""),
                LLVMBuildICmp(builder, LLVMIntEQ, rhs, LLVMConstAllOnes(type), ""), "")!
            trap(if: overflow, .integerOverflow)
            push(LLVMBuildSDiv(builder, lhs, rhs, ""))
        case .i32RemS, .i64RemS:
            trapIfZero(rhs)
            // x rem -1 is 0 (LLVM's srem is undefined for MIN rem -1): divide by 1 instead.
            let isMinusOne = LLVMBuildICmp(builder, LLVMIntEQ, rhs, LLVMConstAllOnes(type), "")
            let divisor = LLVMBuildSelect(builder, isMinusOne, ir.constInt(type, 1), rhs, "")
            push(LLVMBuildSRem(builder, lhs, divisor, ""))
        case .f32Add, .f64Add: push(LLVMBuildFAdd(builder, lhs, rhs, ""))
        case .f32Sub, .f64Sub: push(LLVMBuildFSub(builder, lhs, rhs, ""))
        case .f32Mul, .f64Mul: push(LLVMBuildFMul(builder, lhs, rhs, ""))
        case .f32Div, .f64Div: push(LLVMBuildFDiv(builder, lhs, rhs, ""))
        case .f32Min, .f64Min: push(quietingNaN(lhs, rhs, intrinsic("llvm.minimum", [type], [lhs, rhs])))
        case .f32Max, .f64Max: push(quietingNaN(lhs, rhs, intrinsic("llvm.maximum", [type], [lhs, rhs])))
        case .f32Copysign, .f64Copysign: push(intrinsic("llvm.copysign", [type], [lhs, rhs]))
        }
    }

    /// `result`, except that a NaN operand gives `lhs + rhs` (a quiet NaN, as wasm's
    /// min/max require): LLVM lowers `llvm.minimum` to code that returns a signaling
    /// NaN operand unchanged.
    func quietingNaN(_ lhs: LLVMValueRef, _ rhs: LLVMValueRef, _ result: LLVMValueRef) -> LLVMValueRef {
        let unordered = LLVMBuildFCmp(builder, LLVMRealUNO, lhs, rhs, "")
        return LLVMBuildSelect(builder, unordered, LLVMBuildFAdd(builder, lhs, rhs, ""), result, "")
    }

    /// `value`, hidden from LLVM's folding (an empty inline-asm copy). Wasm requires a
    /// float operation with a NaN operand to give a quiet NaN; LLVM treats `x * 1.0`,
    /// `x / -1.0`, `x - 0.0`, `-0.0 - x` and `demote(promote x)` as `x` or `-x`, which
    /// keeps a signaling NaN signaling. Constants ±0 and ±1 and promoted values pass
    /// through here, so those folds cannot happen; every other fold LLVM does keeps
    /// the operation (or computes a quiet NaN itself).
    func opaque(_ value: LLVMValueRef) -> LLVMValueRef {
        let type = LLVMTypeOf(value)!
        let constraints = module.isa == .x86_64 ? "=x,0" : "=w,0"
        let asm = constraints.withCString { c in
            "".withCString { a in
                LLVMGetInlineAsm(
                    ir.functionType(type, [type]), UnsafeMutablePointer(mutating: a), 0,
                    UnsafeMutablePointer(mutating: c), constraints.utf8.count, 0, 0, LLVMInlineAsmDialectATT, 0)!
            }
        }
        var args: [LLVMValueRef?] = [value]
        return LLVMBuildCall2(builder, ir.functionType(type, [type]), asm, &args, 1, "")
    }

    mutating func trapIfZero(_ divisor: LLVMValueRef) {
        let zero = LLVMBuildICmp(builder, LLVMIntEQ, divisor, LLVMConstNull(LLVMTypeOf(divisor)), "")!
        trap(if: zero, .integerDivideByZero)
    }

    mutating func convert(_ op: Instruction.Conversion) {
        let x = pop()
        switch op {
        case .i32WrapI64: push(LLVMBuildTrunc(builder, x, ir.i32, ""))
        case .i64ExtendI32S: push(LLVMBuildSExt(builder, x, ir.i64, ""))
        case .i64ExtendI32U: push(LLVMBuildZExt(builder, x, ir.i64, ""))
        case .i32TruncF32S, .i32TruncF64S: push(truncate(x, to: ir.i32, bits: 32, signed: true))
        case .i32TruncF32U, .i32TruncF64U: push(truncate(x, to: ir.i32, bits: 32, signed: false))
        case .i64TruncF32S, .i64TruncF64S: push(truncate(x, to: ir.i64, bits: 64, signed: true))
        case .i64TruncF32U, .i64TruncF64U: push(truncate(x, to: ir.i64, bits: 64, signed: false))
        case .i32TruncSatF32S, .i32TruncSatF64S: push(intrinsic("llvm.fptosi.sat", [ir.i32, LLVMTypeOf(x)], [x]))
        case .i32TruncSatF32U, .i32TruncSatF64U: push(intrinsic("llvm.fptoui.sat", [ir.i32, LLVMTypeOf(x)], [x]))
        case .i64TruncSatF32S, .i64TruncSatF64S: push(intrinsic("llvm.fptosi.sat", [ir.i64, LLVMTypeOf(x)], [x]))
        case .i64TruncSatF32U, .i64TruncSatF64U: push(intrinsic("llvm.fptoui.sat", [ir.i64, LLVMTypeOf(x)], [x]))
        case .f32ConvertI32S, .f32ConvertI64S: push(LLVMBuildSIToFP(builder, x, ir.f32, ""))
        case .f32ConvertI32U, .f32ConvertI64U: push(LLVMBuildUIToFP(builder, x, ir.f32, ""))
        case .f64ConvertI32S, .f64ConvertI64S: push(LLVMBuildSIToFP(builder, x, ir.f64, ""))
        case .f64ConvertI32U, .f64ConvertI64U: push(LLVMBuildUIToFP(builder, x, ir.f64, ""))
        case .f32DemoteF64: push(LLVMBuildFPTrunc(builder, x, ir.f32, ""))
        case .f64PromoteF32: push(opaque(LLVMBuildFPExt(builder, x, ir.f64, "")))
        case .i32ReinterpretF32: push(LLVMBuildBitCast(builder, x, ir.i32, ""))
        case .i64ReinterpretF64: push(LLVMBuildBitCast(builder, x, ir.i64, ""))
        case .f32ReinterpretI32: push(LLVMBuildBitCast(builder, x, ir.f32, ""))
        case .f64ReinterpretI64: push(LLVMBuildBitCast(builder, x, ir.f64, ""))
        }
    }

    /// A trapping float-to-integer truncation: NaN traps "invalid conversion to
    /// integer", a value whose truncation does not fit traps "integer overflow".
    mutating func truncate(_ x: LLVMValueRef, to type: LLVMTypeRef, bits: Int, signed: Bool) -> LLVMValueRef {
        let floatType = LLVMTypeOf(x)!
        let isNaN = LLVMBuildFCmp(builder, LLVMRealUNO, x, x, "")!
        trap(if: isNaN, .invalidConversionToInteger)
        // In range iff lower < x < upper, both bounds exclusive and exactly representable
        // (-2^(n-1) - 1 is not representable in f32 or for n = 64; then x >= -2^(n-1)).
        let upper = signed ? pow2(bits - 1) : pow2(bits)
        let upperConst = LLVMConstReal(floatType, upper)!
        let belowUpper = LLVMBuildFCmp(builder, LLVMRealOLT, x, upperConst, "")!
        let aboveLower: LLVMValueRef
        if !signed {
            aboveLower = LLVMBuildFCmp(builder, LLVMRealOGT, x, LLVMConstReal(floatType, -1), "")
        } else if floatType == ir.f64 && bits == 32 {
            aboveLower = LLVMBuildFCmp(builder, LLVMRealOGT, x, LLVMConstReal(floatType, -pow2(31) - 1), "")
        } else {
            aboveLower = LLVMBuildFCmp(builder, LLVMRealOGE, x, LLVMConstReal(floatType, -pow2(bits - 1)), "")
        }
        let inRange = LLVMBuildAnd(builder, belowUpper, aboveLower, "")!
        trap(if: LLVMBuildNot(builder, inRange, ""), .integerOverflow)
        return signed ? LLVMBuildFPToSI(builder, x, type, "") : LLVMBuildFPToUI(builder, x, type, "")
    }

    private func pow2(_ n: Int) -> Double { Double(sign: .plus, exponent: n, significand: 1) }
}
