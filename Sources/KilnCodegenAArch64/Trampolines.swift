import AsmAArch64
import KilnABI
import KilnCodegen

/// The per-signature glue between the C ABI (AAPCS64) and Kiln's internal convention
/// (docs/abi.md, "Host -> wasm" and "Wasm -> host"), and the lazy-init trampoline
/// (docs/tables.md), as on x86-64 with the AArch64 registers.
extension AArch64MacroAssembler {
    /// `void entry(void *vmctx, const void *code, uint64_t *values)`.
    ///
    /// Frame: the record, then x19-x22 (x19 keeps `values` across the call; x20 and x22
    /// are the C callee-saved registers `swifttailcc` does not preserve; x21 fills the
    /// pair), then the callee's stack-argument area, which it pops. The other C
    /// callee-saved registers (x23-x28, d8-d15) the callee preserves itself. `values` is
    /// also the result buffer when the results need one (x8): result `k` lands in
    /// `values[k]`; otherwise the result registers are stored there.
    public mutating func emitEntryTrampoline(_ sig: Signature) {
        let params = ABI.parameterLocations(sig.parameters)
        let results = ABI.resultLocations(sig.results)
        let argumentSlots = ABI.argumentSlots(
            params.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } })
        let values = GPR.x19
        asm.stp(.x, .fp, .lr, .preIndex(.sp, -16))
        asm.mov(.x, .fp, .sp)
        asm.stp(.x, .x19, .x20, .preIndex(.sp, -32))
        asm.stp(.x, .x21, .x22, .offset(.sp, 16))
        if argumentSlots > 0 { adjustSP(by: -8 * argumentSlots) }
        asm.mov(.x, .vmctx, .x0)
        asm.mov(.x, .scratch, .x1)
        asm.mov(.x, values, .x2)
        for (i, loc) in params.enumerated() {
            let slot = MemOperand(values, 8 * i)
            switch loc {
            case .reg(let r): load(r, slot, sig.parameters[i])
            case .stack(let k):
                // x17 only completes an operand; x9 is no argument register.
                load(.gpr(9), slot, .i64)
                store(.gpr(9), outgoingSlot(k), .i64)
            }
        }
        asm.mov(.x, .x8, values)  // the result buffer, when the results need one
        asm.blr(.scratch)
        // The callee popped its argument area; the frame is torn down from x29 below.
        for (i, loc) in results.enumerated() {
            if case .reg(let r) = loc { store(r, MemOperand(values, 8 * i), sig.results[i]) }
        }
        asm.ldp(.x, .x21, .x22, .offset(.fp, -16))
        asm.ldp(.x, .x19, .x20, .offset(.fp, -32))
        asm.mov(.x, .sp, .fp)
        asm.ldp(.x, .fp, .lr, .postIndex(.sp, 16))
        asm.ret()
    }

    /// The wasm->host stub: spills the arguments into a values buffer on its stack and
    /// calls `uint32_t callback(VMHostFunction *self, void *callerVmctx, uint64_t *values)`
    /// with the importing instance's vmctx recorded in the block (entered with the block
    /// as its vmctx, x20), then returns the results in registers or copies them into the
    /// caller's result buffer (whose address came in x8, saved at `[x29, #-8]`). A
    /// non-zero return is a host error: the `udf` after the check is its trap site.
    public mutating func emitHostCallStub(_ sig: Signature) {
        let params = ABI.parameterLocations(sig.parameters)
        let results = ABI.resultLocations(sig.results)
        let argumentSlots = ABI.argumentSlots(
            params.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } })
        let buffered = results.contains { if case .stack = $0 { return true } else { return false } }
        let slots = max(sig.parameters.count, sig.results.count)
        asm.stp(.x, .fp, .lr, .preIndex(.sp, -16))
        asm.mov(.x, .fp, .sp)
        // The values at [sp, #8i], the buffer's address (if any) in the 16 bytes above.
        let area = ((8 * slots + 15) & ~15) + (buffered ? 16 : 0)
        if area > 0 { adjustSP(by: -area) }
        if buffered { asm.stur(.x, .x8, .fp, offset: -8) }
        for (i, loc) in params.enumerated() {
            let slot = outgoingSlot(i)
            switch loc {
            case .reg(let r): store(r, slot, sig.parameters[i].isIntegerClass ? .i64 : sig.parameters[i])
            case .stack(let k): copy(slot, incomingSlot(k))
            }
        }
        asm.mov(.x, .x0, .vmctx)
        asm.ldr(.x, .x1, .offset(.vmctx, VMHostFunction.callerVmctx))
        asm.mov(.x, .x2, .sp)
        asm.ldr(.x, .scratch, .offset(.vmctx, VMHostFunction.callback))
        asm.blr(.scratch)
        asm.cbz(.w, .x0, offset: 8)
        trap(.hostError)
        // x9: the caller's buffer (neither a result register nor a scratch one).
        if buffered { asm.ldur(.x, .x9, .fp, offset: -8) }
        for (i, loc) in results.enumerated() {
            let slot = outgoingSlot(i)
            switch loc {
            case .reg(let r): load(r, slot, sig.results[i])
            case .stack(let k): copy(MemOperand(.x9, 8 * k), slot)
            }
        }
        epilogueAndReturn(argumentBytes: 8 * argumentSlots)
    }

    /// The module's lazy-init trampoline (docs/tables.md, ABI 5): the code of every lazy
    /// funcref. Entered through `call_indirect`/`return_call_indirect` (of either tier)
    /// with x20 = the lazy funcref itself (its `vmctx` field points to itself), x18 = the
    /// slot address and the callee's arguments in place (x8 may carry a result buffer);
    /// saves x0-x8 and d0-d7, finds the module's `VMLazyContext` at
    /// `x20 - u32 [x20 + lazyContextOffset]`, calls `resolver(ctx, slot, lazy)` (C ABI),
    /// keeps the real funcref in x22 (C code preserves it; `swifttailcc` callers do not
    /// expect it preserved), restores them and tail-jumps to the real code with the real
    /// vmctx. The stack at the jump is the stack at entry.
    public mutating func emitLazyTrampoline() {
        asm.stp(.x, .fp, .lr, .preIndex(.sp, -16))
        asm.mov(.x, .fp, .sp)
        // x0-x8 and d0-d7: 17 slots, padded to 18 so sp stays 16-byte aligned.
        asm.sub(.x, .sp, .sp, imm: 144)
        func saveOrRestore(_ a: inout Assembler, load: Bool) {
            for i in stride(from: 0, to: 8, by: 2) {
                let r1 = GPR(UInt8(i)), r2 = GPR(UInt8(i + 1)), at = AsmAArch64.Address.offset(.sp, 8 * i)
                if load { a.ldp(.x, r1, r2, at) } else { a.stp(.x, r1, r2, at) }
            }
            if load { a.ldr(.x, .x8, .offset(.sp, 64)) } else { a.str(.x, .x8, .offset(.sp, 64)) }
            for i in stride(from: 0, to: 8, by: 2) {
                let v1 = FPR(UInt8(i)), v2 = FPR(UInt8(i + 1)), at = AsmAArch64.Address.offset(.sp, 72 + 8 * i)
                if load { a.ldp(.d, v1, v2, at) } else { a.stp(.d, v1, v2, at) }
            }
        }
        saveOrRestore(&asm, load: false)
        asm.ldr(.w, .scratch, .offset(.vmctx, VMFuncRef.lazyContextOffset))
        asm.sub(.x, .x0, .vmctx, .scratch)
        asm.mov(.x, .x1, .slotAddress)
        asm.mov(.x, .x2, .vmctx)
        asm.ldr(.x, .scratch, .offset(.x0, VMLazyContext.resolver))
        asm.blr(.scratch)
        asm.mov(.x, .funcRef, .x0)
        saveOrRestore(&asm, load: true)
        asm.ldr(.x, .vmctx, .offset(.funcRef, VMFuncRef.vmctx))
        asm.ldr(.x, .scratch, .offset(.funcRef, VMFuncRef.code))
        asm.mov(.x, .sp, .fp)
        asm.ldp(.x, .fp, .lr, .postIndex(.sp, 16))
        asm.br(.scratch)
    }
}
