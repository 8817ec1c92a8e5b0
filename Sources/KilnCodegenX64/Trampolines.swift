import AsmX64
import KilnABI
import KilnCodegen

/// The per-signature glue between the C ABI and Kiln's internal convention
/// (docs/abi.md, "Host -> wasm" and "Wasm -> host").
extension X64MacroAssembler {
    /// `void entry(void *vmctx, const void *code, uint64_t *values)`.
    ///
    /// Frame: `[rbp-8]` = vmctx (so a host call stub called directly from here still
    /// finds a vmctx at its caller's `rbp-8`), then the C callee-saved registers, then the
    /// values pointer, then the outgoing stack arguments and return area.
    public mutating func emitEntryTrampoline(_ sig: Signature) {
        let params = ABI.parameterLocations(sig.parameters)
        let results = ABI.resultLocations(sig.results)
        let stackParams = CallLocations.argumentSlots(
            params.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } })
        let stackResults = results.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } }
        asm.push(.rbp)
        asm.mov(.q, .rbp, .rsp)
        asm.push(.rdi)
        for r in [GPR.rbx, .r12, .r13, .r14, .r15] { asm.push(r) }
        asm.push(.rdx)  // values, at [rbp-56]; rsp is now 8 mod 16
        let area = (8 * (stackParams + stackResults) + 15) / 16 * 16 + 8
        asm.alu(.sub, .q, .rsp, imm32: Int32(area))
        asm.mov(.q, .r14, .rdi)
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
        asm.call(.scratch)
        // ABI v2: the callee popped its stack arguments.
        if stackParams > 0 { asm.alu(.sub, .q, .rsp, imm32: Int32(8 * stackParams)) }
        asm.mov(.q, .scratch2, Mem(base: .rbp, disp: -56))
        for (i, loc) in results.enumerated() {
            let slot = Mem(base: .scratch2, disp: Int32(8 * i))
            switch loc {
            case .reg(let r): store(r, slot, sig.results[i])
            case .stack(let k):
                asm.mov(.q, .scratch, outgoingSlot(stackParams + k))
                asm.mov(.q, slot, .scratch)
            }
        }
        asm.leaq(.rsp, Mem(base: .rbp, disp: -48))
        for r in [GPR.r15, .r14, .r13, .r12, .rbx] { asm.pop(r) }
        asm.leave()
        asm.ret()
    }

    /// The wasm->host stub: spills the arguments into a values buffer on its stack and
    /// calls `uint32_t callback(VMHostFunction *self, void *callerVmctx, uint64_t *values)`.
    public mutating func emitHostCallStub(_ sig: Signature) {
        let params = ABI.parameterLocations(sig.parameters)
        let results = ABI.resultLocations(sig.results)
        let stackParams = CallLocations.argumentSlots(
            params.reduce(0) { if case .stack = $1 { return $0 + 1 } else { return $0 } })
        let slots = max(sig.parameters.count, sig.results.count)
        asm.push(.rbp)
        asm.mov(.q, .rbp, .rsp)
        asm.push(.r14)
        let area = (8 * slots + 15) / 16 * 16 + 8  // rsp 16-aligned at the call
        asm.alu(.sub, .q, .rsp, imm32: Int32(area))
        for (i, loc) in params.enumerated() {
            let slot = Mem(base: .rsp, disp: Int32(8 * i))
            switch loc {
            case .reg(let r): store(r, slot, sig.parameters[i].isIntegerClass ? .i64 : sig.parameters[i])
            case .stack(let k): copy(slot, incomingSlot(k))
            }
        }
        asm.mov(.q, .rdi, .r14)
        asm.mov(.q, .rsi, Mem(base: .rbp, disp: 0))
        asm.mov(.q, .rsi, Mem(base: .rsi, disp: -8))
        asm.mov(.q, .rdx, .rsp)
        asm.call(Mem(base: .r14, disp: Int32(VMHostFunction.callback)))
        asm.test(.l, .rax, .rax)
        let ok = asm.jcc(.e, rel32: 0)
        trap(.hostError)
        asm.patch32(at: ok, UInt32(asm.offset - (ok + 4)))
        for (i, loc) in results.enumerated() {
            let slot = Mem(base: .rsp, disp: Int32(8 * i))
            switch loc {
            case .reg(let r): load(r, slot, sig.results[i])
            case .stack(let k): copy(incomingSlot(stackParams + k), slot)
            }
        }
        asm.mov(.q, .r14, Mem(base: .rbp, disp: -8))
        epilogueAndReturn(argumentBytes: 8 * stackParams)
    }

    /// The module's lazy-init trampoline (docs/tables.md): the code of every lazy
    /// funcref. Entered through `call_indirect`/`return_call_indirect` with r14 = the
    /// module's `VMLazyContext`, r10 = the lazy funcref, r11 = the slot address and the
    /// callee's arguments in place; saves every argument register, calls
    /// `resolver(ctx, slot, lazy)` (C ABI), restores them and tail-jumps to the real
    /// code with the real vmctx. The stack at the jump is the stack at entry.
    public mutating func emitLazyTrampoline() {
        let ints: [GPR] = [.rdi, .rsi, .rdx, .rcx, .r8, .r9]
        asm.push(.rbp)
        asm.mov(.q, .rbp, .rsp)
        // Entry rsp is 8 mod 16 (after a call, or a tail call's moved return address);
        // 6 + 8 slots keep it 16-aligned for the resolver call.
        asm.alu(.sub, .q, .rsp, imm32: 8 * 14)
        for (i, r) in ints.enumerated() { asm.mov(.q, Mem(base: .rsp, disp: Int32(8 * i)), r) }
        for i in 0..<8 { asm.movs(.d, Mem(base: .rsp, disp: Int32(48 + 8 * i)), XMM(UInt8(i))) }
        asm.mov(.q, .rdi, .vmctx)
        asm.mov(.q, .rsi, .slotAddress)
        asm.mov(.q, .rdx, .funcRef)
        asm.call(Mem(base: .vmctx, disp: Int32(VMLazyContext.resolver)))
        asm.mov(.q, .funcRef, .rax)
        for (i, r) in ints.enumerated() { asm.mov(.q, r, Mem(base: .rsp, disp: Int32(8 * i))) }
        for i in 0..<8 { asm.movs(.d, XMM(UInt8(i)), Mem(base: .rsp, disp: Int32(48 + 8 * i))) }
        asm.mov(.q, .vmctx, Mem(base: .funcRef, disp: Int32(VMFuncRef.vmctx)))
        asm.leave()
        asm.jmp(Mem(base: .funcRef, disp: Int32(VMFuncRef.code)))
    }
}
