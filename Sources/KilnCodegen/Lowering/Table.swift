import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// Reference values and tables (docs/tables.md): `ref.*` inline or through the
/// `refFunc` builtin, `table.size` inline, every other table operator a builtin (which
/// traps by itself, so no trap site follows it).
extension FunctionCompiler {
    @inlinable public mutating func visitRefNull(type: HeapType) throws(CompileError) {
        guard reachable else { return }
        switch type {
        case .abstract(.funcRef): push(.const(.funcref, 0))
        case .abstract(.externRef): push(.const(.externref, 0))
        default: throw unsupported("ref.null \(type)")
        }
    }

    @inlinable public mutating func visitRefIsNull() throws(CompileError) {
        guard reachable else { return }
        if case .const(_, let bits) = stack[stack.count - 1] {
            stack.removeLast()
            push(.const(.i32, bits == 0 ? 1 : 0))
            return
        }
        let (r, _) = popReg()
        push(.cond(.int(.eq, .s64), r, .imm(0)))
    }

    @inlinable public mutating func visitRefFunc(functionIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        callBuiltin(.refFunc, functionIndex, operands: 0, result: .funcref)
    }

    @inlinable public mutating func visitTableGet(table: UInt32) throws(CompileError) {
        guard reachable else { return }
        callBuiltin(.tableGet, table, operands: 1, result: try elementKind(table))
    }

    @inlinable public mutating func visitTableSet(table: UInt32) throws(CompileError) {
        guard reachable else { return }
        callBuiltin(.tableSet, table, operands: 2, result: nil)
    }

    @inlinable public mutating func visitTableSize(table: UInt32) throws(CompileError) {
        guard reachable else { return }
        let r = allocate(float: false)
        masm.tableSize(dst: r, table: env.tablePlace(table))
        pushReg(.i32, r)
    }

    @inlinable public mutating func visitTableGrow(table: UInt32) throws(CompileError) {
        guard reachable else { return }
        // wasm order (init, delta); the builtin takes (delta, init).
        callBuiltin(.tableGrow, table, operands: 2, swapOperands: true, result: .i32)
    }

    @inlinable public mutating func visitTableFill(table: UInt32) throws(CompileError) {
        guard reachable else { return }
        callBuiltin(.tableFill, table, operands: 3, result: nil)
    }

    @inlinable public mutating func visitTableCopy(dstTable: UInt32, srcTable: UInt32) throws(CompileError) {
        guard reachable else { return }
        callBuiltin(.tableCopy, dstTable, srcTable, operands: 3, result: nil)
    }

    @inlinable public mutating func visitTableInit(elemIndex: UInt32, table: UInt32) throws(CompileError) {
        guard reachable else { return }
        callBuiltin(.tableInit, table, elemIndex, operands: 3, result: nil)
    }

    @inlinable public mutating func visitElemDrop(elemIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        callBuiltin(.elemDrop, elemIndex, operands: 0, result: nil)
    }

    @inlinable func elementKind(_ table: UInt32) throws(CompileError) -> ValueKind {
        do {
            return try ModuleEnvironment.kind(.ref(env.module.tables[Int(table)].elementType))
        } catch {
            throw unsupported(error.message)
        }
    }

    /// Calls builtin `b` (C ABI, docs/tables.md "Builtins") with the immediates `imm0`,
    /// `imm1` followed by the top `operands` values in stack order (the last two
    /// swapped with `swapOperands`), and pushes its result. Every live value is saved
    /// first: the builtin is an ordinary C call.
    @inlinable mutating func callBuiltin(
        _ b: Builtin, _ imm0: UInt32? = nil, _ imm1: UInt32? = nil, operands: Int, swapOperands: Bool = false,
        result: ValueKind?
    ) {
        prepareCall()
        let regs = M.ABI.builtinArgumentRegisters
        var k = 0
        if let imm0 {
            masm.moveImm(regs[k], UInt64(imm0), .i32)
            k += 1
        }
        if let imm1 {
            masm.moveImm(regs[k], UInt64(imm1), .i32)
            k += 1
        }
        let base = stack.count - operands
        for i in 0..<operands {
            let p = swapOperands && i >= operands - 2 ? base + (2 * operands - 3 - i) : base + i
            load(stack[p], into: regs[k], position: p)
            k += 1
        }
        truncate(to: base)
        masm.callBuiltin(b)
        finishCall()
        guard let result else { return }
        let r = M.ABI.builtinResultRegister
        freeRegs.remove(r)
        if result == .i32 { masm.extend(.i32WrapI64, dst: r, src: r) }
        pushReg(result, r)
    }
}
