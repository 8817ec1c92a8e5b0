import CLLVM

/// Runs on optimized IR, before LLVM's code generator, on x86-64: a linear-memory
/// address `base + x` that several accesses share (struct fields at constant offsets
/// from one wasm pointer, a load and a store of the same cell), that an access in another
/// block uses (a pointer LICM hoisted out of a loop), or that a field access outside any
/// loop uses, is computed once into a register, and the accesses use it as
/// `[reg + offset]`. An access of its own inside a loop keeps the indexed form: there the
/// extra instruction costs more than it saves (sha256 took 8% longer).
///
/// Why: left alone, LLVM's instruction selection folds the whole sum into every access
/// as `[base + index + offset]`. Intel cores forward a store to a later load of the same
/// address without the store-to-load latency only when the address is a plain register
/// plus displacement: an interpreter loop whose state lives in linear memory (the
/// dispatch workload's `vm->pc`, `vm->sp`) ran at 1.48x of native with indexed operands
/// and at 1.00x with the base materialized (bench/experiments/dispatch_linear_memory.c,
/// Intel Xeon; docs/codegen.md, "Address materialization").
///
/// The register copy is an empty inline asm (`"=r,0"`), which the code generator cannot
/// look through; it has no side effects and touches no memory, so it orders nothing.
/// The access keeps its address, so a guarded access faults where it did before.
enum AddressMaterialization {
    static func run(on translation: ModuleTranslation) {
        let ir = translation.ir
        var function = LLVMGetFirstFunction(translation.module)
        while let f = function {
            if LLVMCountBasicBlocks(f) > 0 { run(on: f, ir: ir) }
            function = LLVMGetNextFunction(f)
        }
    }

    /// A candidate address and how its accesses use it.
    private struct Use {
        var accesses = 0
        var inOtherBlock = false
        var atDisplacement = false
    }

    private static func run(on function: LLVMValueRef, ir: IRContext) {
        var uses: [LLVMValueRef: Use] = [:]
        var order: [LLVMValueRef] = []
        var block = LLVMGetFirstBasicBlock(function)
        while let b = block {
            var instruction = LLVMGetFirstInstruction(b)
            while let i = instruction {
                if let address = heapAccessAddress(i, ir: ir), let shared = sharedBase(of: address) {
                    if uses[shared] == nil { order.append(shared) }
                    uses[shared, default: Use()].accesses += 1
                    if LLVMGetInstructionParent(shared) != b { uses[shared]!.inOtherBlock = true }
                    if shared != address { uses[shared]!.atDisplacement = true }
                }
                instruction = LLVMGetNextInstruction(i)
            }
            block = LLVMGetNextBasicBlock(b)
        }
        guard !order.isEmpty else { return }
        let builder = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(builder) }
        let copyType = ir.functionType(ir.ptr, [ir.ptr])
        let copy = LLVMGetInlineAsm(copyType, "", 0, "=r,0", 4, 0, 0, LLVMInlineAsmDialectATT, 0)!
        let looping = ControlFlow.blocksInLoops(function)
        for address in order {
            let use = uses[address]!
            let field = use.atDisplacement && !looping.contains(LLVMGetInstructionParent(address))
            guard use.accesses >= 2 || use.inOtherBlock || field else { continue }
            LLVMPositionBuilder(builder, LLVMGetInstructionParent(address), LLVMGetNextInstruction(address))
            var args: [LLVMValueRef?] = [LLVMGetPoison(ir.ptr)]
            let register = LLVMBuildCall2(builder, copyType, copy, &args, 1, "")!
            LLVMAddCallSiteAttribute(register, functionAttributeIndex, ir.enumAttribute("memory", 0))
            LLVMAddCallSiteAttribute(register, functionAttributeIndex, ir.enumAttribute("nounwind"))
            LLVMReplaceAllUsesWith(address, register)
            LLVMSetOperand(register, 0, address)
        }
    }

    /// The pointer operand of a load or store of linear memory (tagged `heapAccess`).
    private static func heapAccessAddress(_ instruction: LLVMValueRef, ir: IRContext) -> LLVMValueRef? {
        let pointerOperand: UInt32
        switch LLVMGetInstructionOpcode(instruction) {
        case LLVMLoad: pointerOperand = 0
        case LLVMStore: pointerOperand = 1
        default: return nil
        }
        guard LLVMGetMetadata(instruction, ir.tbaaKind) == ir.heapAccess else { return nil }
        return LLVMGetOperand(instruction, pointerOperand)
    }

    /// `base + x` behind an access's address (`x` the wasm address, zero-extended,
    /// however LLVM wrote it): the address itself, or what a constant byte offset is
    /// added to. Nil when the index is a constant (the access is `[base + displacement]`
    /// already) or the address has another shape.
    private static func sharedBase(of address: LLVMValueRef) -> LLVMValueRef? {
        guard let gep = byteGEP(address) else { return nil }
        if LLVMIsAConstantInt(gep.index) != nil, let inner = byteGEP(gep.pointer),
            LLVMIsAConstantInt(inner.index) == nil
        {
            return gep.pointer
        }
        return LLVMIsAConstantInt(gep.index) == nil ? address : nil
    }

    /// `getelementptr i8, ptr p, i64 index` as an instruction: (p, index).
    private static func byteGEP(_ value: LLVMValueRef) -> (pointer: LLVMValueRef, index: LLVMValueRef)? {
        guard LLVMIsAGetElementPtrInst(value) != nil, LLVMGetNumOperands(value) == 2,
            LLVMGetTypeKind(LLVMGetGEPSourceElementType(value)) == LLVMIntegerTypeKind,
            LLVMGetIntTypeWidth(LLVMGetGEPSourceElementType(value)) == 8
        else { return nil }
        return (LLVMGetOperand(value, 0)!, LLVMGetOperand(value, 1)!)
    }
}
