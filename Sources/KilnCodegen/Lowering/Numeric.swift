import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// Constants, comparisons, integer and float arithmetic, conversions.
extension FunctionCompiler {
    @inlinable public mutating func visitI32Const(value: Int32) throws(CompileError) {
        guard reachable else { return }
        push(.const(.i32, UInt64(UInt32(bitPattern: value))))
    }
    @inlinable public mutating func visitI64Const(value: Int64) throws(CompileError) {
        guard reachable else { return }
        push(.const(.i64, UInt64(bitPattern: value)))
    }
    @inlinable public mutating func visitF32Const(value: IEEE754.Float32) throws(CompileError) {
        guard reachable else { return }
        push(.const(.f32, UInt64(value.bitPattern)))
    }
    @inlinable public mutating func visitF64Const(value: IEEE754.Float64) throws(CompileError) {
        guard reachable else { return }
        push(.const(.f64, value.bitPattern))
    }

    @inlinable public mutating func visitI32Eqz() throws(CompileError) { eqz(.s32) }
    @inlinable public mutating func visitI64Eqz() throws(CompileError) { eqz(.s64) }

    @inlinable public mutating func visitCmp(_ cmp: Instruction.Cmp) throws(CompileError) {
        guard reachable else { return }
        let c = Self.comparison(cmp)
        let rhs: RegImm
        switch c {
        case .float: rhs = .reg(popReadOnly())
        case .int(_, let size): rhs = popRegImmReadOnly(for: .compare, size)
        }
        let lhs = popReadOnly()
        push(.cond(c, lhs, rhs))
    }

    @inlinable public mutating func visitUnary(_ unary: Instruction.Unary) throws(CompileError) {
        guard reachable else { return }
        switch unary {
        case .i32Clz: intUnary(.clz, .s32)
        case .i32Ctz: intUnary(.ctz, .s32)
        case .i32Popcnt: intUnary(.popcnt, .s32)
        case .i64Clz: intUnary(.clz, .s64)
        case .i64Ctz: intUnary(.ctz, .s64)
        case .i64Popcnt: intUnary(.popcnt, .s64)
        case .i32Extend8S: extend(.i32Extend8S, .i32)
        case .i32Extend16S: extend(.i32Extend16S, .i32)
        case .i64Extend8S: extend(.i64Extend8S, .i64)
        case .i64Extend16S: extend(.i64Extend16S, .i64)
        case .i64Extend32S: extend(.i64Extend32S, .i64)
        case .f32Abs: floatUnary(.abs, .f32)
        case .f32Neg: floatUnary(.neg, .f32)
        case .f32Ceil: floatUnary(.ceil, .f32)
        case .f32Floor: floatUnary(.floor, .f32)
        case .f32Trunc: floatUnary(.trunc, .f32)
        case .f32Nearest: floatUnary(.nearest, .f32)
        case .f32Sqrt: floatUnary(.sqrt, .f32)
        case .f64Abs: floatUnary(.abs, .f64)
        case .f64Neg: floatUnary(.neg, .f64)
        case .f64Ceil: floatUnary(.ceil, .f64)
        case .f64Floor: floatUnary(.floor, .f64)
        case .f64Trunc: floatUnary(.trunc, .f64)
        case .f64Nearest: floatUnary(.nearest, .f64)
        case .f64Sqrt: floatUnary(.sqrt, .f64)
        }
    }

    @inlinable public mutating func visitBinary(_ binary: Instruction.Binary) throws(CompileError) {
        guard reachable else { return }
        switch binary {
        case .i32Add: intBinary(.add, .s32)
        case .i32Sub: intBinary(.sub, .s32)
        case .i32Mul: intBinary(.mul, .s32)
        case .i32DivS: divRem(.divS, .s32)
        case .i32DivU: divRem(.divU, .s32)
        case .i32RemS: divRem(.remS, .s32)
        case .i32RemU: divRem(.remU, .s32)
        case .i32And: intBinary(.and, .s32)
        case .i32Or: intBinary(.or, .s32)
        case .i32Xor: intBinary(.xor, .s32)
        case .i32Shl: intBinary(.shl, .s32)
        case .i32ShrS: intBinary(.shrS, .s32)
        case .i32ShrU: intBinary(.shrU, .s32)
        case .i32Rotl: intBinary(.rotl, .s32)
        case .i32Rotr: intBinary(.rotr, .s32)
        case .i64Add: intBinary(.add, .s64)
        case .i64Sub: intBinary(.sub, .s64)
        case .i64Mul: intBinary(.mul, .s64)
        case .i64DivS: divRem(.divS, .s64)
        case .i64DivU: divRem(.divU, .s64)
        case .i64RemS: divRem(.remS, .s64)
        case .i64RemU: divRem(.remU, .s64)
        case .i64And: intBinary(.and, .s64)
        case .i64Or: intBinary(.or, .s64)
        case .i64Xor: intBinary(.xor, .s64)
        case .i64Shl: intBinary(.shl, .s64)
        case .i64ShrS: intBinary(.shrS, .s64)
        case .i64ShrU: intBinary(.shrU, .s64)
        case .i64Rotl: intBinary(.rotl, .s64)
        case .i64Rotr: intBinary(.rotr, .s64)
        case .f32Add: floatBinary(.add, .f32)
        case .f32Sub: floatBinary(.sub, .f32)
        case .f32Mul: floatBinary(.mul, .f32)
        case .f32Div: floatBinary(.div, .f32)
        case .f32Min: floatBinary(.min, .f32)
        case .f32Max: floatBinary(.max, .f32)
        case .f32Copysign: floatBinary(.copysign, .f32)
        case .f64Add: floatBinary(.add, .f64)
        case .f64Sub: floatBinary(.sub, .f64)
        case .f64Mul: floatBinary(.mul, .f64)
        case .f64Div: floatBinary(.div, .f64)
        case .f64Min: floatBinary(.min, .f64)
        case .f64Max: floatBinary(.max, .f64)
        case .f64Copysign: floatBinary(.copysign, .f64)
        }
    }

    @inlinable public mutating func visitConversion(_ conversion: Instruction.Conversion) throws(CompileError) {
        guard reachable else { return }
        switch conversion {
        case .i32WrapI64: extend(.i32WrapI64, .i32)
        case .i64ExtendI32S: extend(.i64ExtendI32S, .i64)
        case .i64ExtendI32U: extend(.i64ExtendI32U, .i64)
        case .i32TruncF32S: convert(.truncate(from: .f32, to: .s32, signed: true, saturating: false), .i32)
        case .i32TruncF32U: convert(.truncate(from: .f32, to: .s32, signed: false, saturating: false), .i32)
        case .i32TruncF64S: convert(.truncate(from: .f64, to: .s32, signed: true, saturating: false), .i32)
        case .i32TruncF64U: convert(.truncate(from: .f64, to: .s32, signed: false, saturating: false), .i32)
        case .i64TruncF32S: convert(.truncate(from: .f32, to: .s64, signed: true, saturating: false), .i64)
        case .i64TruncF32U: convert(.truncate(from: .f32, to: .s64, signed: false, saturating: false), .i64)
        case .i64TruncF64S: convert(.truncate(from: .f64, to: .s64, signed: true, saturating: false), .i64)
        case .i64TruncF64U: convert(.truncate(from: .f64, to: .s64, signed: false, saturating: false), .i64)
        case .i32TruncSatF32S: convert(.truncate(from: .f32, to: .s32, signed: true, saturating: true), .i32)
        case .i32TruncSatF32U: convert(.truncate(from: .f32, to: .s32, signed: false, saturating: true), .i32)
        case .i32TruncSatF64S: convert(.truncate(from: .f64, to: .s32, signed: true, saturating: true), .i32)
        case .i32TruncSatF64U: convert(.truncate(from: .f64, to: .s32, signed: false, saturating: true), .i32)
        case .i64TruncSatF32S: convert(.truncate(from: .f32, to: .s64, signed: true, saturating: true), .i64)
        case .i64TruncSatF32U: convert(.truncate(from: .f32, to: .s64, signed: false, saturating: true), .i64)
        case .i64TruncSatF64S: convert(.truncate(from: .f64, to: .s64, signed: true, saturating: true), .i64)
        case .i64TruncSatF64U: convert(.truncate(from: .f64, to: .s64, signed: false, saturating: true), .i64)
        case .f32ConvertI32S: convert(.convert(from: .s32, to: .f32, signed: true), .f32)
        case .f32ConvertI32U: convert(.convert(from: .s32, to: .f32, signed: false), .f32)
        case .f32ConvertI64S: convert(.convert(from: .s64, to: .f32, signed: true), .f32)
        case .f32ConvertI64U: convert(.convert(from: .s64, to: .f32, signed: false), .f32)
        case .f64ConvertI32S: convert(.convert(from: .s32, to: .f64, signed: true), .f64)
        case .f64ConvertI32U: convert(.convert(from: .s32, to: .f64, signed: false), .f64)
        case .f64ConvertI64S: convert(.convert(from: .s64, to: .f64, signed: true), .f64)
        case .f64ConvertI64U: convert(.convert(from: .s64, to: .f64, signed: false), .f64)
        case .f32DemoteF64: convert(.demote, .f32)
        case .f64PromoteF32: convert(.promote, .f64)
        case .i32ReinterpretF32: reinterpret(.s32, .i32)
        case .i64ReinterpretF64: reinterpret(.s64, .i64)
        case .f32ReinterpretI32: reinterpret(.s32, .f32)
        case .f64ReinterpretI64: reinterpret(.s64, .f64)
        }
    }

    // MARK: shared helpers

    @inlinable static func comparison(_ cmp: Instruction.Cmp) -> Comparison {
        switch cmp {
        case .i32Eq: return .int(.eq, .s32)
        case .i32Ne: return .int(.ne, .s32)
        case .i32LtS: return .int(.ltS, .s32)
        case .i32LtU: return .int(.ltU, .s32)
        case .i32GtS: return .int(.gtS, .s32)
        case .i32GtU: return .int(.gtU, .s32)
        case .i32LeS: return .int(.leS, .s32)
        case .i32LeU: return .int(.leU, .s32)
        case .i32GeS: return .int(.geS, .s32)
        case .i32GeU: return .int(.geU, .s32)
        case .i64Eq: return .int(.eq, .s64)
        case .i64Ne: return .int(.ne, .s64)
        case .i64LtS: return .int(.ltS, .s64)
        case .i64LtU: return .int(.ltU, .s64)
        case .i64GtS: return .int(.gtS, .s64)
        case .i64GtU: return .int(.gtU, .s64)
        case .i64LeS: return .int(.leS, .s64)
        case .i64LeU: return .int(.leU, .s64)
        case .i64GeS: return .int(.geS, .s64)
        case .i64GeU: return .int(.geU, .s64)
        case .f32Eq: return .float(.eq, .f32)
        case .f32Ne: return .float(.ne, .f32)
        case .f32Lt: return .float(.lt, .f32)
        case .f32Gt: return .float(.gt, .f32)
        case .f32Le: return .float(.le, .f32)
        case .f32Ge: return .float(.ge, .f32)
        case .f64Eq: return .float(.eq, .f64)
        case .f64Ne: return .float(.ne, .f64)
        case .f64Lt: return .float(.lt, .f64)
        case .f64Gt: return .float(.gt, .f64)
        case .f64Le: return .float(.le, .f64)
        case .f64Ge: return .float(.ge, .f64)
        }
    }

    @inlinable mutating func eqz(_ size: OperandSize) {
        guard reachable else { return }
        if case .cond(.int(let k, let s), let l, let r) = stack[stack.count - 1] {
            stack[stack.count - 1] = .cond(.int(k.negated, s), l, r)
            return
        }
        let (r, _) = popReg()
        push(.cond(.int(.eq, size), r, .imm(0)))
    }

    @inlinable mutating func intBinary(_ op: IntBinOp, _ size: OperandSize) {
        let kind: ValueKind = size == .s32 ? .i32 : .i64
        let target = resultRegisterForLocalSet(operands: 2)
        let rhs: RegImm
        let isShift = op == .shl || op == .shrS || op == .shrU || op == .rotl || op == .rotr
        if isShift, case .const(_, let bits) = stack[stack.count - 1] {
            // Shift counts are taken modulo the width, so every constant count is an
            // immediate (an i64 count beyond Int32 included).
            stack.removeLast()
            rhs = .imm(Int32(truncatingIfNeeded: bits & (size == .s32 ? 31 : 63)))
        } else if isShift, let fixed = M.ABI.shiftCountRegister {
            take(fixed)
            popInto(fixed)
            rhs = .reg(fixed)
        } else {
            rhs = popRegImmReadOnly(for: .binary(op), size)
        }
        // Where the result goes and which operands the instruction reads:
        // 1. straight into the local the next instruction sets: three-operand when the
        //    left operand is another local's register, else the left operand is moved
        //    there first (unless the right operand is that local: it would be overwritten);
        // 2. a local's register as the left operand stays where it is: a three-operand form
        //    writes the right operand's register or a new one, a commutative operation
        //    writes the right operand's;
        // 3. otherwise the left operand's own register.
        let left = topLocalRegister()
        let (dst, lhs, right): (Reg, Reg, RegImm)
        if let t = target, let l = left, l != t, masm.supportsThreeOperand(op, rhs) {
            stack.removeLast()
            (dst, lhs, right) = (t, l, rhs)
        } else if let t = target, !rhs.isRegister(t) {
            popInto(t)
            (dst, lhs, right) = (t, t, rhs)
        } else if let l = left, masm.supportsThreeOperand(op, rhs) {
            stack.removeLast()
            let d: Reg
            if case .reg(let r) = rhs, valueRegs.contains(r) { d = r } else { d = allocate(float: false) }
            (dst, lhs, right) = (d, l, rhs)
        } else if let l = left, case .reg(let r) = rhs, valueRegs.contains(r), op.isCommutative {
            stack.removeLast()
            (dst, lhs, right) = (r, r, .reg(l))
        } else {
            let (r, _) = popReg()
            (dst, lhs, right) = (r, r, rhs)
        }
        masm.intBinary(op, size, dst: dst, lhs: lhs, rhs: right)
        if !right.isRegister(dst) { free(right) }
        pushReg(kind, dst)
    }

    @inlinable mutating func intUnary(_ op: IntUnOp, _ size: OperandSize) {
        let (r, k) = popReg()
        masm.intUnary(op, size, dst: r, src: r)
        pushReg(k, r)
    }

    @inlinable mutating func divRem(_ kind: DivRemKind, _ size: OperandSize) {
        let k: ValueKind = size == .s32 ? .i32 : .i64
        if let (q, rem) = M.ABI.divisionRegisters {
            take(q)
            take(rem)
            let (rhs, _) = popReg()
            popInto(q)
            let dst = (kind == .divS || kind == .divU) ? q : rem
            masm.divRem(kind, size, dst: dst, lhs: q, rhs: rhs)
            free(rhs)
            free(dst == q ? rem : q)
            pushReg(k, dst)
        } else {
            let (rhs, _) = popReg()
            let (lhs, _) = popReg()
            masm.divRem(kind, size, dst: lhs, lhs: lhs, rhs: rhs)
            free(rhs)
            pushReg(k, lhs)
        }
    }

    @inlinable mutating func extend(_ kind: ExtendKind, _ result: ValueKind) {
        if kind == .i64ExtendI32U {
            // Every i32 value is kept zero-extended in its 64-bit register (docs/codegen.md),
            // so the extension only changes the type.
            if case .const(_, let bits) = stack[stack.count - 1] {
                stack[stack.count - 1] = .const(.i64, bits & 0xFFFF_FFFF)
            } else {
                pushReg(.i64, popReg().0)
            }
            return
        }
        let (r, _) = popReg()
        masm.extend(kind, dst: r, src: r)
        pushReg(result, r)
    }

    @inlinable mutating func floatUnary(_ op: FloatUnOp, _ size: FloatSize) {
        let (r, k) = popReg()
        masm.floatUnary(op, size, dst: r, src: r)
        pushReg(k, r)
    }

    @inlinable mutating func floatBinary(_ op: FloatBinOp, _ size: FloatSize) {
        let target = resultRegisterForLocalSet(operands: 2)
        let rhs = popReadOnly()
        if let t = target, rhs != t {
            let k = stack[stack.count - 1].kind
            popInto(t)
            masm.floatBinary(op, size, dst: t, lhs: t, rhs: rhs)
            free(rhs)
            pushReg(k, t)
            return
        }
        // Addition and multiplication commute (NaN payloads are nondeterministic in wasm):
        // with a local's register on the left and a value register on the right, the
        // result goes to the right one and the local is not copied.
        if op == .add || op == .mul, valueRegs.contains(rhs), let l = topLocalRegister() {
            let k = stack.removeLast().kind
            masm.floatBinary(op, size, dst: rhs, lhs: rhs, rhs: l)
            pushReg(k, rhs)
            return
        }
        let (lhs, k) = popReg()
        masm.floatBinary(op, size, dst: lhs, lhs: lhs, rhs: rhs)
        free(rhs)
        pushReg(k, lhs)
    }

    @inlinable mutating func convert(_ kind: ConvertKind, _ result: ValueKind) {
        let (src, _) = popReg()
        let dst = allocate(float: !result.isIntegerClass)
        masm.convert(kind, dst: dst, src: src)
        free(src)
        pushReg(result, dst)
    }

    @inlinable mutating func reinterpret(_ size: OperandSize, _ result: ValueKind) {
        let (src, _) = popReg()
        let dst = allocate(float: !result.isIntegerClass)
        masm.reinterpret(dst: dst, src: src, size)
        free(src)
        pushReg(result, dst)
    }
}
