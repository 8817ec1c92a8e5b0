import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// Calls: direct (pc-relative), imported (through the vmctx), indirect (through a
/// table, docs/tables.md), and their tail-call forms.
extension FunctionCompiler {
    @inlinable public mutating func visitCall(functionIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        emitCall(env.typeIndex(ofFunction: functionIndex), target(functionIndex))
    }

    @inlinable public mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        emitCall(Int(typeIndex), .indirect, table: tableIndex)
    }

    @inlinable public mutating func visitReturnCall(functionIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        emitTailCall(env.typeIndex(ofFunction: functionIndex), target(functionIndex))
    }

    @inlinable public mutating func visitReturnCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        emitTailCall(Int(typeIndex), .indirect, table: tableIndex)
    }

    @inlinable func target(_ functionIndex: UInt32) -> CallTarget {
        if Int(functionIndex) < env.module.importedFunctionCount {
            return .imported(vmctxOffset: env.layout.importedFunction(Int(functionIndex)))
        }
        return .direct(functionIndex)
    }

    /// For `call_indirect`: pops the element index and runs the table sequence, leaving
    /// the checked funcref in the call-sequence registers.
    @inlinable mutating func loadIndirectTarget(_ typeIndex: Int, table: UInt32) {
        let (index, _) = popReg()
        masm.loadFuncRefForCall(
            table: env.tablePlace(table), tableIndex: table, index: index, typeIdOffset: env.layout.typeId(typeIndex),
            strategy: env.tableInit)
        free(index)
    }

    /// The call sequence: every live value below the arguments goes to its home slot
    /// (all value registers are caller-saved, see ``prepareCall(keepingTop:)``), the
    /// arguments go to their ABI places from wherever they are, and results come back as
    /// register values or are copied from the result buffer (in the outgoing area, just
    /// above the argument area) into home slots.
    @inlinable mutating func emitCall(_ typeIndex: Int, _ target: CallTarget, table: UInt32 = 0) {
        let sig = env.signatures[typeIndex]
        let locs = env.locations[typeIndex]
        let n = sig.parameters.count
        var indirect = false
        if case .indirect = target { indirect = true }
        // `checked` calls a builtin on its slow path before the arguments are placed,
        // which would clobber arguments held in registers.
        let keep = indirect && env.tableInit == .checked ? 0 : n + (indirect ? 1 : 0)
        prepareCall(keepingTop: keep)
        if indirect {
            if let r = M.ABI.indirectCallScratch { take(r) }
            loadIndirectTarget(typeIndex, table: table)
        }
        let base = stack.count - n
        // Stack arguments first (they need only the scratch register), then each register
        // argument: whatever holds its register moves away first.
        for i in 0..<n {
            if case .stack(let k) = locs.parameters[i] {
                storeValue(at: base + i, to: masm.outgoingSlot(k))
                markPlaced(base + i, in: nil)
            }
        }
        for i in 0..<n {
            if case .reg(let r) = locs.parameters[i] {
                if case .reg(_, let x) = stack[base + i], x == r {
                    markPlaced(base + i, in: r)
                    continue
                }
                take(r)
                load(stack[base + i], into: r, position: base + i)
                markPlaced(base + i, in: r)
            }
        }
        let argSlots = locs.argumentSlots
        maxOutgoing = max(maxOutgoing, 8 * (argSlots + locs.stackResults))
        var reload = true
        if case .direct = target { reload = env.reloadVMContextAfterCalls }
        masm.call(
            target, argumentBytes: 8 * argSlots, resultBuffer: locs.resultsInBuffer ? argSlots : nil,
            reloadVMContext: reload)
        stack.removeLast(n)
        // A result in a register that a caller-saved local gets back (r8 on x86-64) goes
        // to its home slot before the reload.
        for (i, loc) in locs.results.enumerated() {
            if case .reg(let r) = loc, localRegs.taken.contains(r) {
                maxStackSlots = max(maxStackSlots, stack.count + i + 1)
                masm.store(r, masm.frameSlot(homeSlot(stack.count + i)), sig.results[i])
            }
        }
        finishCall()
        for (i, loc) in locs.results.enumerated() {
            let k = sig.results[i]
            switch loc {
            case .reg(let r) where localRegs.taken.contains(r):
                push(.mem(k))
            case .reg(let r):
                freeRegs.remove(r)
                pushReg(k, r)
            case .stack(let j):
                let p = stack.count
                maxStackSlots = max(maxStackSlots, p + 1)
                masm.copy(masm.frameSlot(homeSlot(p)), masm.outgoingSlot(argSlots + j))
                push(.mem(k))
            }
        }
    }

    /// An argument now in its ABI place (`r`, or the outgoing area): its value's
    /// registers other than `r` are free again, and its entry becomes a placeholder
    /// that no spill or ``take(_:)`` touches.
    @inlinable mutating func markPlaced(_ p: Int, in r: Reg?) {
        switch stack[p] {
        case .reg(_, let x): if x != r { free(x) }
        case .cond(_, let l, let rhs):
            if l != r { free(l) }
            if case .reg(let x) = rhs, x != r { free(x) }
        default: break
        }
        stack[p] = .const(stack[p].kind, 0)
    }

    /// `return_call*`: the arguments go where the callee expects them relative to this
    /// function's caller (the top of the caller's argument area stays where it is), the
    /// incoming result buffer (same results, so the same buffer) is passed on, then the
    /// frame is torn down and control jumps to the callee (docs/abi.md, "Tail calls").
    @inlinable mutating func emitTailCall(_ typeIndex: Int, _ target: CallTarget, table: UInt32 = 0) {
        prepareCall()
        if case .indirect = target { loadIndirectTarget(typeIndex, table: table) }
        let sig = env.signatures[typeIndex]
        let locs = env.locations[typeIndex]
        let n = sig.parameters.count
        let base = stack.count - n
        let own = ownLocations.argumentSlots, callee = locs.argumentSlots
        if callee > own { maxOutgoing = max(maxOutgoing, 8 * callee) }
        // Stack arguments first: their sources are all in this frame (or constants), and
        // their destinations are either above the frame or staged below it.
        for i in 0..<n {
            if case .stack(let k) = locs.parameters[i] {
                storeValue(at: base + i, to: masm.tailArgumentSlot(k, ownSlots: own, calleeSlots: callee))
            }
        }
        for i in 0..<n {
            if case .reg(let r) = locs.parameters[i] { load(stack[base + i], into: r, position: base + i) }
        }
        restoreCalleeSaved()
        if resultBufferSlots > 0 {
            masm.load(M.ABI.resultBufferRegister, masm.frameSlot(resultBufferSlot), .i64)
        }
        masm.tailCall(target, ownSlots: own, calleeSlots: callee)
        finishCall(reloading: false)  // nothing returns here; only the bookkeeping
        markUnreachable()
    }
}
