import AsmX64
import KilnABI
import KilnCodegen

/// The per-signature glue between the C ABI and Kiln's internal convention
/// (docs/abi.md, "Host -> wasm" and "Wasm -> host").
extension X64MacroAssembler {
    /// `void entry(void *vmctx, const void *code, uint64_t *values)`.
    ///
    /// Frame: the C callee-saved registers, then the values pointer, then a padding slot
    /// and the outgoing stack-argument area (an odd number of slots, which the callee
    /// pops). When the results go to a buffer (ABI 5), `values` itself is the buffer:
    /// result `k` lands in `values[k]`.
    public mutating func emitEntryTrampoline(_ sig: Signature) {
        let params = ABI.parameterLocations(sig.parameters)
        let results = ABI.resultLocations(sig.results)
        let argumentSlots = ABI.argumentSlots(
            params.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } })
        asm.push(.rbp)
        asm.mov(.q, .rbp, .rsp)
        for r in [GPR.rbx, .r12, .r13, .r14, .r15] { asm.push(r) }
        asm.push(.rdx)  // values, at [rbp-48]; rsp is now 16-aligned
        // An odd number of 8-byte slots and one of padding: rsp is 16-aligned at the call.
        asm.alu(.sub, .q, .rsp, imm32: Int32(8 * argumentSlots + 8))
        asm.mov(.q, .vmctx, .rdi)
        asm.mov(.q, .scratch, .rsi)
        asm.mov(.q, .scratch2, .rdx)
        for (i, loc) in params.enumerated() {
            let slot = Mem(base: .scratch2, disp: Int32(8 * i))
            switch loc {
            case .reg(let r): load(r, slot, sig.parameters[i])
            case .stack(let k):
                asm.mov(.q, .rax, slot)
                asm.mov(.q, outgoingSlot(k), .rax)
            }
        }
        asm.mov(.q, .rax, .scratch2)  // the result buffer, when the results need one
        asm.call(.scratch)
        // The callee popped its argument area; the frame is torn down from rbp below.
        asm.mov(.q, .scratch2, Mem(base: .rbp, disp: -48))
        for (i, loc) in results.enumerated() {
            if case .reg(let r) = loc { store(r, Mem(base: .scratch2, disp: Int32(8 * i)), sig.results[i]) }
        }
        asm.leaq(.rsp, Mem(base: .rbp, disp: -40))
        for r in [GPR.r15, .r14, .r13, .r12, .rbx] { asm.pop(r) }
        asm.leave()
        asm.ret()
    }

    /// The wasm->host stub: spills the arguments into a values buffer on its stack and
    /// calls `uint32_t callback(VMHostFunction *self, void *callerVmctx, uint64_t *values)`
    /// with the importing instance's vmctx recorded in the block (entered with the block
    /// as its vmctx, r13), then returns the results in registers or copies them into the
    /// caller's result buffer (whose address came in rax and is returned in rax).
    public mutating func emitHostCallStub(_ sig: Signature) {
        let params = ABI.parameterLocations(sig.parameters)
        let results = ABI.resultLocations(sig.results)
        let argumentSlots = ABI.argumentSlots(
            params.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } })
        let buffered = results.contains { if case .stack = $0 { return true } else { return false } }
        let slots = max(sig.parameters.count, sig.results.count)
        asm.push(.rbp)
        asm.mov(.q, .rbp, .rsp)
        if buffered { asm.push(.rax) }  // the result buffer, at [rbp-8]
        // rsp 16-aligned at the call.
        let area = (8 * slots + 15) / 16 * 16 + (buffered ? 8 : 0)
        if area > 0 { asm.alu(.sub, .q, .rsp, imm32: Int32(area)) }
        for (i, loc) in params.enumerated() {
            let slot = Mem(base: .rsp, disp: Int32(8 * i))
            switch loc {
            case .reg(let r): store(r, slot, sig.parameters[i].isIntegerClass ? .i64 : sig.parameters[i])
            case .stack(let k): copy(slot, incomingSlot(k))
            }
        }
        asm.mov(.q, .rdi, .vmctx)
        asm.mov(.q, .rsi, Mem(base: .vmctx, disp: Int32(VMHostFunction.callerVmctx)))
        asm.mov(.q, .rdx, .rsp)
        asm.call(Mem(base: .vmctx, disp: Int32(VMHostFunction.callback)))
        asm.test(.l, .rax, .rax)
        let ok = asm.jcc(.e, rel32: 0)
        trap(.hostError)
        asm.patch32(at: ok, UInt32(asm.offset - (ok + 4)))
        if buffered { asm.mov(.q, .scratch2, Mem(base: .rbp, disp: -8)) }
        for (i, loc) in results.enumerated() {
            let slot = Mem(base: .rsp, disp: Int32(8 * i))
            switch loc {
            case .reg(let r): load(r, slot, sig.results[i])
            case .stack(let k): copy(Mem(base: .scratch2, disp: Int32(8 * k)), slot)
            }
        }
        if buffered { asm.mov(.q, .rax, .scratch2) }
        epilogueAndReturn(argumentBytes: 8 * argumentSlots)
    }

    /// The module's lazy-init trampoline (docs/tables.md, ABI 5): the code of every lazy
    /// funcref. Entered through `call_indirect`/`return_call_indirect` (of either tier)
    /// with r13 = the lazy funcref itself (its `vmctx` field points to itself), r10 = the
    /// slot address and the callee's arguments in place (rax may carry a result buffer);
    /// saves every argument register and rax, finds the module's `VMLazyContext` at
    /// `r13 - u32 [r13 + lazyContextOffset]`, calls `resolver(ctx, slot, lazy)` (C ABI),
    /// keeps the real funcref in r14 (C code preserves it), restores them and tail-jumps
    /// to the real code with the real vmctx. The stack at the jump is the stack at entry.
    public mutating func emitLazyTrampoline() {
        let saved: [GPR] = [.rdi, .rsi, .rdx, .rcx, .r8, .r9, .rax]
        asm.push(.rbp)
        asm.mov(.q, .rbp, .rsp)
        // Entry rsp is 8 mod 16 (after a call, or a tail call's moved return address);
        // 7 + 8 slots, padded to 16, keep it 16-aligned for the resolver call.
        asm.alu(.sub, .q, .rsp, imm32: 8 * 16)
        for (i, r) in saved.enumerated() { asm.mov(.q, Mem(base: .rsp, disp: Int32(8 * i)), r) }
        for i in 0..<8 { asm.movs(.d, Mem(base: .rsp, disp: Int32(56 + 8 * i)), XMM(UInt8(i))) }
        asm.mov(.l, .scratch, Mem(base: .vmctx, disp: Int32(VMFuncRef.lazyContextOffset)))
        asm.mov(.q, .rdi, .vmctx)
        asm.alu(.sub, .q, .rdi, .scratch)
        asm.mov(.q, .rsi, .slotAddress)
        asm.mov(.q, .rdx, .vmctx)
        asm.call(Mem(base: .rdi, disp: Int32(VMLazyContext.resolver)))
        asm.mov(.q, .funcRef, .rax)
        for (i, r) in saved.enumerated() { asm.mov(.q, r, Mem(base: .rsp, disp: Int32(8 * i))) }
        for i in 0..<8 { asm.movs(.d, XMM(UInt8(i)), Mem(base: .rsp, disp: Int32(56 + 8 * i))) }
        asm.mov(.q, .vmctx, Mem(base: .funcRef, disp: Int32(VMFuncRef.vmctx)))
        asm.leave()
        asm.jmp(Mem(base: .funcRef, disp: Int32(VMFuncRef.code)))
    }
}
