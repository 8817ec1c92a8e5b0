import KilnABI
import WasmParser
import WasmTypes

/// Direct calls, to defined functions (pc-relative) and imports (through the vmctx).
extension FunctionCompiler {
    public mutating func visitCall(functionIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        let sig = env.signature(ofFunction: functionIndex)
        let isImport = Int(functionIndex) < env.module.importedFunctionCount
        let slot = isImport ? env.layout.importedFunction(Int(functionIndex)) : 0
        emitCall(sig) { m in
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
    mutating func emitCall(_ sig: Signature, _ call: (inout M) -> Void) {
        spillAll()
        let n = sig.parameters.count
        let base = stack.count - n
        let paramLocs = M.ABI.parameterLocations(sig.parameters)
        let resultLocs = M.ABI.resultLocations(sig.results)
        var stackArgs = 0
        for i in 0..<n {
            switch paramLocs[i] {
            case .reg(let r): load(stack[base + i], into: r, position: base + i)
            case .stack(let k):
                storeValue(at: base + i, to: masm.outgoingSlot(k))
                stackArgs = max(stackArgs, k + 1)
            }
        }
        var stackResults = 0
        for l in resultLocs { if case .stack = l { stackResults += 1 } }
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
