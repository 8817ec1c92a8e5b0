import CLLVM
import KilnABI
import KilnCodegen

extension FunctionTranslator {
    /// `call f` / `return_call f`: defined functions directly, imported ones through
    /// their `{code, vmctx}` pair in the vmctx.
    mutating func call(function index: UInt32, tail: Bool) throws(CompileError) {
        let callee = module.signature(ofFunction: index)
        let imported = module.env.module.importedFunctionCount
        if Int(index) < imported {
            let pair = module.env.layout.importedFunction(Int(index))
            let code = loadVM(ir.ptr, vmctx, pair + VMFunctionImport.code, invariant: true)
            let calleeContext = loadVM(ir.ptr, vmctx, pair + VMFunctionImport.vmctx, invariant: true)
            emitCall(callee, target: code, context: calleeContext, slot: nil, tail: tail)
        } else {
            emitCall(callee, target: module.function(index), context: vmctx, slot: nil, tail: tail)
        }
    }

    /// `call_indirect` / `return_call_indirect` (docs/abi.md, "Indirect calls"): bounds
    /// check, the slot's funcref (no branch on initialization under `image`: a lazy slot
    /// holds a callable funcref), null and signature checks, then a call with the
    /// funcref's vmctx and the slot address for the lazy trampoline.
    mutating func callIndirect(typeIndex: UInt32, table: UInt32, tail: Bool) throws(CompileError) {
        let callee = module.loweredSignatures[Int(typeIndex)]
        let index = LLVMBuildZExt(builder, pop(), ir.i64, "")!
        if let uniform = module.uniformTables[table], uniform.allSlots(have: callee.signature, in: module.env) {
            // Fixed contents, all of this signature: a bounds check against the constant
            // length and a call through the code array, in this instance's vmctx.
            let length = ir.constI64(UInt64(uniform.length))
            trap(if: LLVMBuildICmp(builder, LLVMIntUGE, index, length, ""), .undefinedElement)
            let array = module.codeArray(table)
            var indices: [LLVMValueRef?] = [index]
            let entry = LLVMBuildInBoundsGEP2(builder, ir.i64, array, &indices, 1, "")!
            let offset = LLVMBuildLoad2(builder, ir.i64, entry, "")!
            LLVMSetMetadata(offset, ir.invariantKind, ir.invariantNode)
            var byteOffset: LLVMValueRef? = offset
            let code = LLVMBuildGEP2(builder, ir.i8, array, &byteOffset, 1, "")!
            // An internal table's functions use the internal convention (InternalFunctions).
            let convention =
                module.internalFunctions.internalTables.contains(table)
                ? module.internalSignatures[Int(typeIndex)] : callee
            emitCall(convention, target: code, context: vmctx, slot: nil, tail: tail)
            return
        }
        let (definition, baseInvariant) = tableDefinition(table)
        let length: LLVMValueRef
        let limits = module.env.module.tables[Int(table)].limits
        if Int(table) >= module.env.module.importedTableCount, limits.max == limits.min {
            length = ir.constI64(limits.min)  // a defined table that cannot grow
        } else {
            length = loadVM(ir.i64, definition, VMTableDefinition.length, invariant: false)
        }
        trap(if: LLVMBuildICmp(builder, LLVMIntUGE, index, length, ""), .undefinedElement)
        let base = loadVM(ir.ptr, definition, VMTableDefinition.base, invariant: baseInvariant)
        var indices: [LLVMValueRef?] = [index]
        let slot = LLVMBuildInBoundsGEP2(builder, ir.i64, base, &indices, 1, "")!
        let raw = LLVMBuildLoad2(builder, ir.i64, slot, "")!
        LLVMSetMetadata(raw, ir.tbaaKind, ir.tableAccess)
        var funcref = raw
        if module.env.tableInit == .checked {
            // 0 = not initialized yet: the builtin computes and stores the slot; else untag.
            let lazy = appendBlock("lazy"), ready = appendBlock("ready"), join = appendBlock("")
            let isZero = LLVMBuildICmp(builder, LLVMIntEQ, raw, ir.constI64(0), "")!
            setUnlikely(LLVMBuildCondBr(builder, isZero, lazy, ready))
            LLVMPositionBuilderAtEnd(builder, lazy)
            let initialized = callBuiltin(
                .tableLazyInit, [ir.constI32(table), LLVMBuildTrunc(builder, index, ir.i32, "")], result: ir.i64)
            LLVMBuildBr(builder, join)
            LLVMPositionBuilderAtEnd(builder, ready)
            let untagged = LLVMBuildAnd(builder, raw, ir.constI64(~1), "")!
            LLVMBuildBr(builder, join)
            LLVMPositionBuilderAtEnd(builder, join)
            let phi = LLVMBuildPhi(builder, ir.i64, "")!
            var values: [LLVMValueRef?] = [initialized, untagged]
            var blocks: [LLVMBasicBlockRef?] = [lazy, ready]
            LLVMAddIncoming(phi, &values, &blocks, 2)
            funcref = phi
        }
        // The expected id is loaded before the null check, so that the first instruction
        // after it, the signature check's load from the funcref, depends on nothing else
        // there and LLVM can turn the check into that load's fault. Volatile only to keep
        // it there: the optimizer would sink an ordinary load to its one use.
        let expected = loadVM(ir.i64, vmctx, module.env.layout.typeId(Int(typeIndex)), invariant: false)
        LLVMSetVolatile(expected, 1)
        trapIfNull(funcref)
        let reference = LLVMBuildIntToPtr(builder, funcref, ir.ptr, "")!
        let actual = loadVM(ir.i64, reference, VMFuncRef.typeId, invariant: true)
        trap(if: LLVMBuildICmp(builder, LLVMIntNE, expected, actual, ""), .indirectCallTypeMismatch)
        let code = loadVM(ir.ptr, reference, VMFuncRef.code, invariant: true)
        let calleeContext = loadVM(ir.ptr, reference, VMFuncRef.vmctx, invariant: true)
        emitCall(callee, target: code, context: calleeContext, slot: slot, tail: tail)
    }

    /// Table `index`'s `VMTableDefinition` and whether its base never moves for this
    /// code (a defined table's reservation is fixed; an imported one's too, but behind a
    /// pointer the exporter owns).
    func tableDefinition(_ index: UInt32) -> (LLVMValueRef, Bool) {
        let place = module.env.tablePlace(index)
        if place.indirect { return (loadVM(ir.ptr, vmctx, place.offset, invariant: true), true) }
        return (address(vmctx, place.offset), true)
    }

    func tableLength(_ index: UInt32) -> LLVMValueRef {
        loadVM(ir.i64, tableDefinition(index).0, VMTableDefinition.length, invariant: false)
    }

    /// Pops the arguments, calls, and pushes the results (or returns them, for a tail call).
    mutating func emitCall(
        _ callee: LoweredSignature, target: LLVMValueRef, context: LLVMValueRef, slot: LLVMValueRef?, tail: Bool
    ) {
        let kinds = callee.signature
        let args = popArguments(kinds.parameters.count)
        var values: [LLVMValueRef?] = []
        var buffer: LLVMValueRef?
        if callee.resultsInMemory {
            if tail {
                buffer = LLVMGetParam(function, 0)
            } else {
                buffer = alloca(LLVMArrayType2(ir.i64, UInt64(kinds.results.count)))
            }
            values.append(buffer)
        }
        values.append(context)
        values.append(slot ?? LLVMGetUndef(ir.ptr))
        for (value, kind) in zip(args, kinds.parameters) { values.append(toABI(value, kind)) }
        let call = values.withUnsafeMutableBufferPointer {
            LLVMBuildCall2(builder, callee.type, target, $0.baseAddress, UInt32($0.count), "")!
        }
        callee.applyAttributes(toCall: call, ir: ir)
        if tail {
            LLVMSetTailCallKind(call, LLVMTailCallKindMustTail)
            if LLVMGetTypeKind(callee.returnType) == LLVMVoidTypeKind {
                LLVMBuildRetVoid(builder)
            } else {
                LLVMBuildRet(builder, call)
            }
            markUnreachable()
            return
        }
        let results = kinds.results
        if callee.resultsInMemory {
            for (k, kind) in results.enumerated() {
                let load = LLVMBuildLoad2(
                    builder, LoweredSignature.valueType(kind, ir), address(buffer!, 8 * k), "")!
                LLVMSetAlignment(load, 8)
                push(load)
            }
        } else if results.count == 1 {
            push(fromABI(call, results[0]))
        } else {
            for (k, kind) in results.enumerated() {
                push(fromABI(LLVMBuildExtractValue(builder, call, UInt32(k), ""), kind))
            }
        }
    }
}
