import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// Direct calls, to defined functions (pc-relative) and imports (through the vmctx).
extension FunctionCompiler {
    @inlinable public mutating func visitCall(functionIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        let t = env.typeIndex(ofFunction: functionIndex)
        let isImport = Int(functionIndex) < env.module.importedFunctionCount
        let slot = isImport ? env.layout.importedFunction(Int(functionIndex)) : 0
        emitCall(t) { m in
            if isImport {
                m.callImport(vmctxOffset: slot)
            } else {
                m.callDirect(function: functionIndex)
            }
        }
    }

    /// The call sequence: every live value goes to its home slot (all registers are
    /// caller-saved), arguments go to their ABI places, results come back as register
    /// values or are copied from the return area into home slots.
    @inlinable mutating func emitCall(_ typeIndex: Int, _ call: (inout M) -> Void) {
        spillAll()
        let sig = env.signatures[typeIndex]
        let locs = env.locations[typeIndex]
        let n = sig.parameters.count
        let base = stack.count - n
        let resultLocs = locs.results
        for i in 0..<n {
            switch locs.parameters[i] {
            case .reg(let r): load(stack[base + i], into: r, position: base + i)
            case .stack(let k): storeValue(at: base + i, to: masm.outgoingSlot(k))
            }
        }
        let stackArgs = locs.stackParameters, stackResults = locs.stackResults
        maxOutgoing = max(maxOutgoing, 8 * (stackArgs + stackResults))
        call(&masm)
        stack.removeLast(n)
        for (i, loc) in resultLocs.enumerated() {
            let k = sig.results[i]
            switch loc {
            case .reg(let r):
                freeRegs.remove(r)
                pushReg(k, r)
            case .stack(let j):
                let p = stack.count
                maxStackSlots = max(maxStackSlots, p + 1)
                masm.copy(masm.frameSlot(homeSlot(p)), masm.outgoingSlot(stackArgs + j))
                push(.mem(k))
            }
        }
    }
}
