import CLLVM
import KilnABI
import KilnCodegen
import WasmParser
import WasmTypes

extension FunctionTranslator {
    // MARK: linear memory

    /// Memory 0's base: it never moves while the instance lives (docs/abi.md).
    func memoryBase() -> LLVMValueRef {
        loadVM(ir.ptr, vmctx, VMContextLayout.memoryBase, invariant: true)
    }

    /// Memory 0's current length in bytes (``ModuleTranslation/loadMemoryLength(vmctx:in:)``).
    ///
    /// A probed check (``HeapAccessPolicy``) reads the length with a volatile load of its
    /// own, so that LLVM can drop it only by the memory's limits, never because another
    /// check (which may become a guard) already covered the access.
    func memoryLength(forProbe: Bool = false) -> LLVMValueRef {
        let length = module.loadMemoryLength(vmctx: vmctx, in: builder)
        if forProbe { LLVMSetVolatile(length, 1) }
        return length
    }

    /// The address of an access of `size` bytes at `index + offset`, and whether the
    /// access is guarded. A checked access is preceded by the check that it lies inside
    /// the memory (trap "out of bounds memory access" otherwise); a guarded one has no
    /// check and is volatile: its fault in the reservation's inaccessible part is the
    /// trap (docs/codegen.md, "Trap semantics").
    mutating func heapAddress(_ index: LLVMValueRef, offset: UInt64, size: Int) -> (LLVMValueRef, guarded: Bool) {
        let ordinal = accessCount
        accessCount += 1
        var effective = LLVMBuildZExt(builder, index, ir.i64, "")!
        if offset != 0 { effective = LLVMBuildNUWAdd(builder, effective, ir.constI64(offset), "") }
        var indices: [LLVMValueRef?] = [effective]
        let form = accessPolicy.form(
            of: ordinal, constantAddress: LLVMIsAConstantInt(index) != nil,
            insideLoop: frames.contains { $0.kind == .loop })
        let probed = form == .probed
        if form != .guarded {
            // In bounds iff effective + size - 1 < length: a strict unsigned compare of an
            // affine index against an invariant limit, the shape LLVM's range-check
            // passes recognize.
            let last = LLVMBuildNUWAdd(builder, effective, ir.constI64(UInt64(size - 1)), "")!
            let length = memoryLength(forProbe: probed)
            let inBounds = LLVMBuildICmp(builder, LLVMIntULT, last, length, "")!
            if probed {
                probeCheck(unless: inBounds, ordinal: ordinal)
            } else {
                trap(unless: inBounds, .outOfBoundsMemoryAccess)
            }
        }
        return (LLVMBuildInBoundsGEP2(builder, ir.i8, memoryBase(), &indices, 1, "")!, form == .guarded)
    }

    /// A probed check: its own trap block, calling a function of its own
    /// (``ModuleTranslation/probeTrap(function:ordinal:)``), so that whether LLVM kept it
    /// can be read from that function's uses however the check itself was rewritten.
    mutating func probeCheck(unless inBounds: LLVMValueRef, ordinal: Int) {
        let current = LLVMGetInsertBlock(builder)!
        let block = appendBlock("probe.\(ordinal)")
        LLVMPositionBuilderAtEnd(builder, block)
        let (callee, type) = module.probeTrap(function: functionIndex, ordinal: ordinal)
        var args: [LLVMValueRef?] = [vmctx]
        module.endWithTrapCall(LLVMBuildCall2(builder, type, callee, &args, 1, "")!, in: builder)
        LLVMPositionBuilderAtEnd(builder, current)
        branch(unless: inBounds, to: block)
    }

    func heapAccess(_ instruction: LLVMValueRef, guarded: Bool) {
        LLVMSetMetadata(instruction, ir.tbaaKind, ir.heapAccess)
        LLVMSetAlignment(instruction, 1)
        if guarded {
            LLVMSetVolatile(instruction, 1)
            faultPoint()
        }
    }

    /// Follows a guarded access: an empty `asm sideeffect` that emits no instruction, but
    /// which LLVM must assume reads all memory (``IRContext/faultPointMemoryEffects``). A
    /// volatile access alone keeps its place among volatile accesses and calls, but LLVM
    /// assumes it returns, so it would still keep a store in a register past it (a global
    /// written in a loop, stored after the loop) or drop a store that a later one
    /// overwrites. No store moves across a reader of memory, so every store before the
    /// access is in memory when it faults and none after it is; loads still move and
    /// merge across it.
    func faultPoint() {
        let type = ir.functionType(ir.void, [])
        let asm = LLVMGetInlineAsm(type, "", 0, "", 0, 1, 0, LLVMInlineAsmDialectATT, 0)!
        let call = LLVMBuildCall2(builder, type, asm, nil, 0, "")!
        LLVMAddCallSiteAttribute(call, functionAttributeIndex, ir.enumAttribute("memory", IRContext.faultPointMemoryEffects))
        LLVMAddCallSiteAttribute(call, functionAttributeIndex, ir.enumAttribute("nounwind"))
        LLVMAddCallSiteAttribute(call, functionAttributeIndex, ir.enumAttribute("willreturn"))
    }

    mutating func load(_ load: Instruction.Load, _ memarg: MemArg) throws(CompileError) {
        let (memoryType, size, resultType, signed): (LLVMTypeRef, Int, LLVMTypeRef, Bool)
        switch load {
        case .i32Load: (memoryType, size, resultType, signed) = (ir.i32, 4, ir.i32, false)
        case .i64Load: (memoryType, size, resultType, signed) = (ir.i64, 8, ir.i64, false)
        case .f32Load: (memoryType, size, resultType, signed) = (ir.f32, 4, ir.f32, false)
        case .f64Load: (memoryType, size, resultType, signed) = (ir.f64, 8, ir.f64, false)
        case .i32Load8S: (memoryType, size, resultType, signed) = (ir.i8, 1, ir.i32, true)
        case .i32Load8U: (memoryType, size, resultType, signed) = (ir.i8, 1, ir.i32, false)
        case .i32Load16S: (memoryType, size, resultType, signed) = (ir.i16, 2, ir.i32, true)
        case .i32Load16U: (memoryType, size, resultType, signed) = (ir.i16, 2, ir.i32, false)
        case .i64Load8S: (memoryType, size, resultType, signed) = (ir.i8, 1, ir.i64, true)
        case .i64Load8U: (memoryType, size, resultType, signed) = (ir.i8, 1, ir.i64, false)
        case .i64Load16S: (memoryType, size, resultType, signed) = (ir.i16, 2, ir.i64, true)
        case .i64Load16U: (memoryType, size, resultType, signed) = (ir.i16, 2, ir.i64, false)
        case .i64Load32S: (memoryType, size, resultType, signed) = (ir.i32, 4, ir.i64, true)
        case .i64Load32U: (memoryType, size, resultType, signed) = (ir.i32, 4, ir.i64, false)
        default: throw CompileError.unsupported("\(load)")
        }
        let (pointer, guarded) = heapAddress(pop(), offset: memarg.offset, size: size)
        let value = LLVMBuildLoad2(builder, memoryType, pointer, "")!
        heapAccess(value, guarded: guarded)
        if memoryType == resultType {
            push(value)
        } else if signed {
            push(LLVMBuildSExt(builder, value, resultType, ""))
        } else {
            push(LLVMBuildZExt(builder, value, resultType, ""))
        }
    }

    mutating func store(_ store: Instruction.Store, _ memarg: MemArg) throws(CompileError) {
        let memoryType: LLVMTypeRef, size: Int
        switch store {
        case .i32Store: (memoryType, size) = (ir.i32, 4)
        case .i64Store: (memoryType, size) = (ir.i64, 8)
        case .f32Store: (memoryType, size) = (ir.f32, 4)
        case .f64Store: (memoryType, size) = (ir.f64, 8)
        case .i32Store8, .i64Store8: (memoryType, size) = (ir.i8, 1)
        case .i32Store16, .i64Store16: (memoryType, size) = (ir.i16, 2)
        case .i64Store32: (memoryType, size) = (ir.i32, 4)
        default: throw CompileError.unsupported("\(store)")
        }
        var value = pop()
        let (pointer, guarded) = heapAddress(pop(), offset: memarg.offset, size: size)
        if LLVMTypeOf(value) != memoryType { value = LLVMBuildTrunc(builder, value, memoryType, "") }
        heapAccess(LLVMBuildStore(builder, value, pointer)!, guarded: guarded)
    }

    func memorySize() -> LLVMValueRef {
        let pages = LLVMBuildLShr(builder, memoryLength(), ir.constI64(16), "")
        return LLVMBuildTrunc(builder, pages, ir.i32, "")!
    }

    mutating func memoryGrow() {
        let delta = LLVMBuildZExt(builder, pop(), ir.i64, "")!
        let old = callBuiltin(.memoryGrow, [delta], result: ir.i64)
        push(LLVMBuildTrunc(builder, old, ir.i32, ""))
    }

    // MARK: globals

    /// Global `index`'s 8-byte cell: inline in the vmctx, or behind the import's pointer.
    func globalCell(_ index: UInt32) -> LLVMValueRef {
        let (offset, indirect) = module.env.globalPlace(index)
        if indirect { return loadVM(ir.ptr, vmctx, offset, invariant: true) }
        return address(vmctx, offset)
    }

    func loadGlobal(_ index: UInt32) -> LLVMValueRef {
        let kind = module.env.globalKinds[Int(index)]
        let load = LLVMBuildLoad2(builder, LoweredSignature.valueType(kind, ir), globalCell(index), "")!
        LLVMSetMetadata(load, ir.tbaaKind, ir.globalAccess)
        return load
    }

    func storeGlobal(_ index: UInt32, _ value: LLVMValueRef) {
        let store = LLVMBuildStore(builder, value, globalCell(index))!
        LLVMSetMetadata(store, ir.tbaaKind, ir.globalAccess)
    }
}
