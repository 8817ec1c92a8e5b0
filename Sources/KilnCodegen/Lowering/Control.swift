import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// Structured control flow, branches, `drop`/`select`.
extension FunctionCompiler {
    @inlinable public mutating func visitUnreachable() throws(CompileError) {
        guard reachable else { return }
        masm.trap(.unreachable)
        markUnreachable()
    }

    @inlinable public mutating func visitNop() throws(CompileError) {}

    @inlinable public mutating func visitBlock(blockType: BlockType) throws(CompileError) {
        try enter(.block, blockType)
    }

    @inlinable public mutating func visitLoop(blockType: BlockType) throws(CompileError) {
        try enter(.loop, blockType)
    }

    @inlinable public mutating func visitIf(blockType: BlockType) throws(CompileError) {
        try enter(.if, blockType)
    }

    @inlinable public mutating func visitElse() throws(CompileError) {
        guard unreachableDepth == 0 else { return }
        var f = frames[frames.count - 1]
        if reachable {
            emitBranchMoves(to: frames.count - 1)
            masm.jump(f.label)
            f.thenFellThrough = true
        }
        masm.bind(f.elseLabel)
        f.kind = .else
        frames[frames.count - 1] = f
        reachable = f.entryReachable
        let t = f.type
        resetAtMerge(height: f.height, t, params: true)
    }

    @inlinable public mutating func visitEnd() throws(CompileError) {
        if unreachableDepth > 0 {
            unreachableDepth -= 1
            return
        }
        let f = frames.removeLast()
        let t = f.type
        switch f.kind {
        case .function:
            frames.append(f)  // keep the frame for emitReturn's bookkeeping
            if reachable { emitReturn() }
            if f.branchedTo {
                masm.bind(f.label)
                resetAtMerge(height: 0, t, params: false)
                emitReturn()
            }
            frames.removeLast()
            reachable = false
        case .loop:
            if !reachable { truncate(to: f.height) }
        case .block where !f.branchedTo:
            break
        case .block, .if, .else:
            if reachable {
                frames.append(f)
                emitBranchMoves(to: frames.count - 1)
                frames.removeLast()
            }
            if f.kind == .if { masm.bind(f.elseLabel) }
            masm.bind(f.label)
            let now =
                reachable || f.branchedTo || f.thenFellThrough || (f.kind == .if && f.entryReachable)
            resetAtMerge(height: f.height, t, params: false, resultRegister: f.resultRegister)
            reachable = now
        }
    }

    @inlinable public mutating func visitBr(relativeDepth: UInt32) throws(CompileError) {
        guard reachable else { return }
        branch(depth: relativeDepth)
        markUnreachable()
    }

    @inlinable public mutating func visitBrIf(relativeDepth: UInt32) throws(CompileError) {
        guard reachable else { return }
        let fi = frames.count - 1 - Int(relativeDepth)
        let cond = stack.removeLast()
        let needsMoves = frames[fi].branchArity > 0 || frames[fi].kind == .function
        if frames[fi].kind == .function && frames[fi].type.resultCount == 0 {
            frames[fi].branchedTo = true
            branchIf(cond, true, frames[fi].label)
            return
        }
        frames[fi].branchedTo = true
        if !needsMoves {
            branchIf(cond, true, frames[fi].label)
            return
        }
        let skip = masm.newLabel()
        branchIf(cond, false, skip)
        emitBranchMoves(to: fi)
        masm.jump(frames[fi].label)
        masm.bind(skip)
    }

    @inlinable public mutating func visitBrTable(targets: BrTable) throws(CompileError) {
        guard reachable else { return }
        let index = popReadOnly()
        let defaultFrame = frames.count - 1 - Int(targets.defaultIndex)
        let arity = frames[defaultFrame].branchArity
        // Holds a case number the backend cannot compare with as an immediate.
        var spare: Reg? = nil
        for (i, depth) in targets.labelIndices.enumerated() {
            let fi = frames.count - 1 - Int(depth)
            frames[fi].branchedTo = true
            let rhs: RegImm
            if masm.encodesImmediate(Int64(i), for: .compare, .s32) {
                rhs = .imm(Int32(truncatingIfNeeded: i))
            } else {
                let r = spare ?? allocate(float: false)
                spare = r
                masm.moveImm(r, UInt64(i), .i32)
                rhs = .reg(r)
            }
            if arity == 0 && frames[fi].kind != .function {
                masm.compareAndBranch(.int(.eq, .s32), lhs: index, rhs: rhs, ifTrue: true, to: frames[fi].label)
            } else {
                let skip = masm.newLabel()
                masm.compareAndBranch(.int(.ne, .s32), lhs: index, rhs: rhs, ifTrue: true, to: skip)
                emitBranchMoves(to: fi)
                masm.jump(frames[fi].label)
                masm.bind(skip)
            }
        }
        free(index)
        if let spare { free(spare) }
        frames[defaultFrame].branchedTo = true
        if frames[defaultFrame].kind == .function {
            emitReturn()
        } else {
            emitBranchMoves(to: defaultFrame)
            masm.jump(frames[defaultFrame].label)
        }
        markUnreachable()
    }

    @inlinable public mutating func visitReturn() throws(CompileError) {
        guard reachable else { return }
        emitReturn()
        markUnreachable()
    }

    @inlinable public mutating func visitDrop() throws(CompileError) {
        guard reachable else { return }
        truncate(to: stack.count - 1)
    }

    @inlinable public mutating func visitSelect() throws(CompileError) {
        guard reachable else { return }
        // The condition: a pending comparison stays fused; anything else becomes a register
        // now, while it is still at its own stack position.
        let cmp: Comparison, lhs: Reg, rhs: RegImm
        if case .cond(let c, let l, let r) = stack[stack.count - 1] {
            stack.removeLast()
            (cmp, lhs, rhs) = (c, l, r)
        } else {
            (cmp, lhs, rhs) = (.int(.ne, .s32), popReadOnly(), .imm(0))
        }
        let b = popReadOnly()
        let (a, kind) = popReg()
        masm.compareAndSelect(cmp, lhs: lhs, rhs: rhs, dst: a, other: b, kind)
        free(lhs)
        free(rhs)
        free(b)
        pushReg(kind, a)
    }

    @inlinable public mutating func visitTypedSelect(type: ValueType) throws(CompileError) {
        try visitSelect()
    }

    // MARK: helpers

    @inlinable mutating func enter(_ kind: ControlFrame.Kind, _ blockType: BlockType) throws(CompileError) {
        guard reachable else {
            unreachableDepth += 1
            return
        }
        let t = blockSignature(blockType)
        var cond: StackValue? = nil
        if kind == .if { cond = stack.removeLast() }
        spillAll()
        spillTopToMemory(t.paramCount)
        var f = ControlFrame(
            kind: kind, label: masm.newLabel(), elseLabel: masm.newLabel(),
            height: stack.count - t.paramCount, type: t)
        if kind != .loop && t.resultCount == 1 && t.paramCount == 0 && (t.singleResult != nil || t.typeIndex >= 0) {
            let k = resultKind(t, 0)
            f.resultRegister = k.isIntegerClass ? M.ABI.blockResultGPR : M.ABI.blockResultFPR
        }
        if let cond {
            branchIf(cond, false, f.elseLabel)
            f.entryReachable = true
        }
        if kind == .loop { masm.bind(f.label) }
        frames.append(f)
    }

    @inlinable func paramKind(_ t: BlockSignature, _ i: Int) -> ValueKind {
        env.signatures[t.typeIndex].parameters[i]
    }

    /// Branches to `label` when the popped condition value is (`ifTrue`) or is not
    /// non-zero; a pending comparison fuses into compare+jump.
    @inlinable mutating func branchIf(_ cond: StackValue, _ ifTrue: Bool, _ label: Label) {
        switch cond {
        case .cond(let c, let l, let r):
            masm.compareAndBranch(c, lhs: l, rhs: r, ifTrue: ifTrue, to: label)
            free(l)
            free(r)
        case .const(_, let bits):
            if (UInt32(truncatingIfNeeded: bits) != 0) == ifTrue { masm.jump(label) }
        default:
            stack.append(cond)
            let r = popReadOnly()
            masm.branch(onZero: !ifTrue, r, .s32, to: label)
            free(r)
        }
    }
}
