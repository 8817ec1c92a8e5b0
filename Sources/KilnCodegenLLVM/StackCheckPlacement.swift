import CLLVM
import KilnABI

/// Puts the optimizing tier's stack checks ("call stack exhausted") into optimized IR,
/// before LLVM's code generator: where they go depends on what is left after inlining,
/// so they are placed only then (docs/codegen.md, "Stack checks").
///
/// - A function whose frame may exceed `VMStoreContext.uncheckedLeafFrameBytes` (bounded
///   from its optimized IR, inlined callees included) compares the stack pointer with the
///   limit at entry, leaf or not.
/// - Any other function without a call of a wasm function (a leaf, or one whose calls
///   were all inlined) has no check: it runs at most that bound below its caller's
///   checked frame, inside the headroom the runtime keeps below the limit.
/// - One with such a call inside a loop compares its frame address at entry, so no
///   iteration pays for it.
/// - Any other computes the comparison in its entry block and branches on it before each
///   call: a path without a call (a recursion's base case) runs no check.
///
/// A call of a wasm function is one under Kiln's conventions (`swifttailcc`, `swiftcc`),
/// which no LLVM pass changes; builtins and traps are C calls. A tail call replaces the
/// frame, and its callee checks for itself.
struct StackCheckPlacement {
    let translation: ModuleTranslation
    private var ir: IRContext { translation.ir }

    func run() {
        let builder = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(builder) }
        var function = LLVMGetFirstFunction(translation.module)
        while let f = function {
            function = LLVMGetNextFunction(f)
            guard LLVMCountBasicBlocks(f) > 0, let vmctx = ModuleTranslation.vmctxParameter(of: f) else { continue }
            place(in: f, vmctx: vmctx, builder: builder)
        }
    }

    private func place(in function: LLVMValueRef, vmctx: LLVMValueRef, builder: LLVMBuilderRef) {
        var calls: [LLVMValueRef] = []
        var instructions = 0
        var allocaBytes: UInt64 = 0
        var block = LLVMGetFirstBasicBlock(function)
        while let b = block {
            var instruction = LLVMGetFirstInstruction(b)
            while let i = instruction {
                instructions += 1
                if LLVMIsAAllocaInst(i) != nil {
                    allocaBytes += LLVMABISizeOfType(translation.targetData, LLVMGetAllocatedType(i))
                } else if isWasmCall(i) {
                    calls.append(i)
                }
                instruction = LLVMGetNextInstruction(i)
            }
            block = LLVMGetNextBasicBlock(b)
        }
        // LLVM's frame holds at most a spill slot (16 bytes, for a vector) per value, the
        // allocas, and the saved registers and outgoing arguments within the 256.
        let frameBytes = 16 * UInt64(instructions) + allocaBytes + 256
        // After the entry block's allocas: split off with the rest, they would no longer
        // be static (part of the frame).
        let entry = LLVMGetEntryBasicBlock(function)!
        var start = LLVMGetFirstInstruction(entry)
        while let i = start, LLVMIsAAllocaInst(i) != nil { start = LLVMGetNextInstruction(i) }
        LLVMPositionBuilder(builder, entry, start)
        if frameBytes > UInt64(VMStoreContext.uncheckedLeafFrameBytes) {
            let exhausted = exhaustedCondition(vmctx: vmctx, stackPointer: true, builder: builder)
            branch(if: exhausted, to: trapBlock(in: function, vmctx: vmctx), before: LLVMGetNextInstruction(exhausted)!)
            return
        }
        guard !calls.isEmpty else { return }
        let looping = ControlFlow.blocksInLoops(function)
        let exhausted = exhaustedCondition(vmctx: vmctx, stackPointer: false, builder: builder)
        if calls.contains(where: { looping.contains(LLVMGetInstructionParent($0)) }) {
            branch(if: exhausted, to: trapBlock(in: function, vmctx: vmctx), before: LLVMGetNextInstruction(exhausted)!)
        } else {
            let trap = trapBlock(in: function, vmctx: vmctx)
            for call in calls { branch(if: exhausted, to: trap, before: call) }
        }
    }

    /// A call of a wasm function that returns here.
    private func isWasmCall(_ instruction: LLVMValueRef) -> Bool {
        guard LLVMIsACallInst(instruction) != nil,
            LLVMGetTailCallKind(instruction) != LLVMTailCallKindMustTail
        else { return false }
        let convention = LLVMGetInstructionCallConv(instruction)
        return convention == LoweredSignature.callingConvention
            || convention == LoweredSignature.internalCallingConvention
    }

    /// `sp < limit` (the stack pointer here) or `frame address < limit`, built where
    /// `builder` stands. Neither the limit (only the outermost entry from the host sets
    /// it) nor the frame address changes while the function runs.
    private func exhaustedCondition(vmctx: LLVMValueRef, stackPointer: Bool, builder: LLVMBuilderRef) -> LLVMValueRef {
        let store = translation.loadVM(ir.ptr, vmctx, VMContextLayout.storeContext, invariant: true, in: builder)
        let limit = translation.loadVM(ir.i64, store, VMStoreContext.stackLimit, invariant: !stackPointer, in: builder)
        let sp = stackPointer
            ? translation.callIntrinsic("llvm.stacksave", [ir.ptr], [], in: builder)
            : translation.callIntrinsic("llvm.frameaddress", [ir.ptr], [ir.constI32(0)], in: builder)
        let spValue = LLVMBuildPtrToInt(builder, sp, ir.i64, "")
        return LLVMBuildICmp(builder, LLVMIntULT, spValue, limit, "")!
    }

    /// Splits `instruction`'s block before it and joins the halves with a branch to
    /// `trap` (cold) when `condition` holds.
    private func branch(if condition: LLVMValueRef, to trap: LLVMBasicBlockRef, before instruction: LLVMValueRef) {
        let head = LLVMGetInstructionParent(instruction)!
        let tail = ControlFlow.split(head, before: instruction, ir: ir)
        let builder = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(builder) }
        LLVMPositionBuilderAtEnd(builder, head)
        let br = LLVMBuildCondBr(builder, condition, trap, tail)!
        ControlFlow.setWeights(br, 1, 1 << 20, ir: ir)
    }

    /// A block that raises "call stack exhausted".
    private func trapBlock(in function: LLVMValueRef, vmctx: LLVMValueRef) -> LLVMBasicBlockRef {
        let block = LLVMAppendBasicBlockInContext(ir.context, function, "trap.callStackExhausted")!
        let builder = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(builder) }
        LLVMPositionBuilderAtEnd(builder, block)
        translation.buildTrap(.callStackExhausted, vmctx: vmctx, in: builder)
        return block
    }
}
