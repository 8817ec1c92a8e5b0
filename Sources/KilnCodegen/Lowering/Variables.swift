import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// Locals (frame slots, read lazily) and globals (vmctx cells).
extension FunctionCompiler {
    @inlinable public mutating func visitLocalGet(localIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        push(.local(localKinds[Int(localIndex)], localIndex))
    }

    @inlinable public mutating func visitLocalSet(localIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        setLocal(localIndex, keep: false)
    }

    @inlinable public mutating func visitLocalTee(localIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        setLocal(localIndex, keep: true)
    }

    @inlinable public mutating func visitGlobalGet(globalIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        let kind = env.globalKinds[Int(globalIndex)]
        let (offset, indirect) = env.globalPlace(globalIndex)
        let r = allocate(float: !kind.isIntegerClass)
        if indirect {
            masm.withScratch(false) { m, s in
                m.load(s, m.vmctx(offset), .i64)
                m.load(r, m.address(s, 0), kind)
            }
        } else {
            masm.load(r, masm.vmctx(offset), kind)
        }
        pushReg(kind, r)
    }

    @inlinable public mutating func visitGlobalSet(globalIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        let kind = env.globalKinds[Int(globalIndex)]
        let (offset, indirect) = env.globalPlace(globalIndex)
        let r = popReadOnly()
        if indirect {
            masm.withScratch(false) { m, s in
                m.load(s, m.vmctx(offset), .i64)
                m.store(r, m.address(s, 0), kind)
            }
        } else {
            masm.store(r, masm.vmctx(offset), kind)
        }
        free(r)
    }

    /// `local.set`/`local.tee`: values still reading the local lazily are saved first.
    @inlinable mutating func setLocal(_ index: UInt32, keep: Bool) {
        let kind = localKinds[Int(index)]
        let top = stack.count - 1
        saveReaders(ofLocal: index, below: top)
        if case .local(_, let i) = stack[top], i == index {
            if !keep { stack.removeLast() }
            return
        }
        if let r = localRegs.register[Int(index)] {
            popInto(r)
            if keep { push(.local(kind, index)) }
            return
        }
        let slot = localSlot(Int(index))
        switch stack[top] {
        case .const(_, let bits):
            masm.storeImm(bits, slot, kind)
            stack.removeLast()
            if keep { push(.const(kind, bits)) }
        default:
            let (r, _) = popReg()
            masm.store(r, slot, kind)
            if keep { pushReg(kind, r) } else { free(r) }
        }
    }
}
