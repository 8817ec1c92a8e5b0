import CLLVM
import KilnABI
import KilnCodegen
import KilnFrontend

/// One LLVM module holding a partition of a wasm module's defined functions (the
/// optimizing tier compiles partitions in parallel, each in its own context). Functions
/// of other partitions are declared here and linked when the objects are placed.
final class ModuleTranslation {
    let ir: IRContext
    let env: ModuleEnvironment
    let isa: TargetISA
    let module: LLVMModuleRef
    let builder: LLVMBuilderRef
    /// Per type index, under the shared convention.
    let loweredSignatures: [LoweredSignature]
    /// Per type index, under the internal convention (``InternalFunctions``).
    let internalSignatures: [LoweredSignature]
    let internalFunctions: InternalFunctions
    private var functions: [UInt32: LLVMValueRef] = [:]
    /// Tables whose contents never change (``UniformTables``).
    let uniformTables: [UInt32: UniformTable]
    private var codeArrays: [UInt32: LLVMValueRef] = [:]
    private var uninitializedStub: LLVMValueRef?

    init(
        env: ModuleEnvironment, isa: TargetISA, uniformTables: [UInt32: UniformTable],
        internalFunctions: InternalFunctions, name: String, triple: String, dataLayout: String
    ) {
        ir = IRContext()
        self.env = env
        self.isa = isa
        self.uniformTables = uniformTables
        self.internalFunctions = internalFunctions
        module = LLVMModuleCreateWithNameInContext(name, ir.context)
        LLVMSetTarget(module, triple)
        LLVMSetDataLayout(module, dataLayout)
        builder = LLVMCreateBuilderInContext(ir.context)
        let ir = ir
        loweredSignatures = env.signatures.map { LoweredSignature($0, in: ir) }
        internalSignatures = env.signatures.map { LoweredSignature($0, in: ir, isInternal: true) }
    }

    deinit {
        LLVMDisposeBuilder(builder)
        LLVMDisposeModule(module)
    }

    /// The symbol of function `index` in the objects (placement resolves it).
    static func symbolName(_ index: UInt32) -> String { "kiln_wasm_\(index)" }

    /// How function `index` is called: under the internal convention if it is one of
    /// this module's internal functions, else the shared one.
    func signature(ofFunction index: UInt32) -> LoweredSignature {
        let type = env.typeIndex(ofFunction: index)
        return internalFunctions.contains(function: index, importedCount: env.module.importedFunctionCount)
            ? internalSignatures[type] : loweredSignatures[type]
    }

    /// Defined function `index`, declared on first use (defined if it is translated here).
    func function(_ index: UInt32) -> LLVMValueRef {
        if let f = functions[index] { return f }
        let sig = signature(ofFunction: index)
        let f = LLVMAddFunction(module, Self.symbolName(index), sig.type)!
        sig.applyAttributes(toFunction: f, ir: ir)
        // Placed by Kiln next to every other function: direct PC-relative calls, no PLT/GOT.
        LLVMSetVisibility(f, LLVMHiddenVisibility)
        LLVMAddAttributeAtIndex(f, functionAttributeIndex, ir.enumAttribute("nounwind"))
        // Frames chained through rbp / x29 for perf and gdb, except in a leaf (a function
        // that calls nothing): its frame record cost an interpreter's handlers a fifth of
        // their time (dispatch 1.30x -> 1.03x native; docs/codegen.md, "Frames"). No
        // libcalls (nothing to link them to).
        LLVMAddAttributeAtIndex(f, functionAttributeIndex, ir.stringAttribute("frame-pointer", "non-leaf"))
        LLVMAddAttributeAtIndex(f, functionAttributeIndex, ir.stringAttribute("no-builtins", ""))
        // Every wasm call stays a call (a wasm tail call is `musttail`, which this does not
        // affect): turning recursion into a loop would remove the "call stack exhausted"
        // trap a deep recursion must hit.
        LLVMAddAttributeAtIndex(f, functionAttributeIndex, ir.stringAttribute("disable-tail-calls", "true"))
        // x86-64 cores decode and cache instructions in 32-byte windows: at 16, where a
        // function's hot loop falls against them depends on its neighbours (fib(40) ran
        // 1.2x native at 16, 0.97x at 32, on an Intel Xeon; docs/codegen.md).
        if isa == .x86_64 { LLVMSetAlignment(f, 32) }
        functions[index] = f
        return f
    }

    /// The code array of uniform table `index`: per slot, the offset of the function's
    /// code from the array itself (a PC-relative constant, so `.text` needs no load-time
    /// relocation); null slots point at a stub that traps "uninitialized element".
    func codeArray(_ index: UInt32) -> LLVMValueRef {
        if let array = codeArrays[index] { return array }
        let table = uniformTables[index]!
        let type = LLVMArrayType2(ir.i64, UInt64(table.length))!
        let global = LLVMAddGlobal(module, type, "kiln.table\(index).code")!
        let base = LLVMConstPtrToInt(global, ir.i64)!
        var entries: [LLVMValueRef?] = table.slots.map { slot in
            let target = slot.map { function($0) } ?? uninitializedElementStub()
            return LLVMConstSub(LLVMConstPtrToInt(target, ir.i64), base)
        }
        let initializer = entries.withUnsafeMutableBufferPointer {
            LLVMConstArray2(ir.i64, $0.baseAddress, UInt64($0.count))!
        }
        LLVMSetInitializer(global, initializer)
        LLVMSetGlobalConstant(global, 1)
        LLVMSetLinkage(global, LLVMPrivateLinkage)
        LLVMSetAlignment(global, 8)
        codeArrays[index] = global
        return global
    }

    /// What a null slot of a uniform table calls: traps "uninitialized element" (any
    /// arguments; it never returns).
    private func uninitializedElementStub() -> LLVMValueRef {
        if let stub = uninitializedStub { return stub }
        let type = ir.functionType(ir.void, [ir.ptr])
        let stub = LLVMAddFunction(module, "kiln.uninitialized_element", type)!
        LLVMSetLinkage(stub, LLVMPrivateLinkage)
        LLVMSetFunctionCallConv(stub, LoweredSignature.callingConvention)
        LLVMAddAttributeAtIndex(stub, 1, ir.enumAttribute("swiftself"))
        LLVMAddAttributeAtIndex(stub, functionAttributeIndex, ir.stringAttribute("frame-pointer", "all"))
        LLVMAddAttributeAtIndex(stub, functionAttributeIndex, ir.enumAttribute("nounwind"))
        let b = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(b) }
        LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(ir.context, stub, "entry"))
        buildTrap(.uninitializedElement, vmctx: LLVMGetParam(stub, 0)!, in: b)
        uninitializedStub = stub
        return stub
    }

    /// Memory 0's current length in bytes, loaded where `builder` stands (it changes with
    /// `memory.grow`, a call). The load carries the memory type's limits as a `!range`: a
    /// memory never shrinks below its declared minimum (an import's minimum is checked at
    /// link time) nor grows past its maximum, so LLVM drops the check of any access it can
    /// bound below the minimum.
    func loadMemoryLength(vmctx: LLVMValueRef, in builder: LLVMBuilderRef) -> LLVMValueRef {
        let definition = loadVM(ir.ptr, vmctx, VMContextLayout.memoryDefinition, invariant: true, in: builder)
        let length = loadVM(ir.i64, definition, VMMemoryDefinition.length, invariant: false, in: builder)
        if let limits = env.module.memories.first, !limits.isMemory64 {
            let page: UInt64 = 65536
            let maxPages = min(limits.max ?? 65536, 65536)
            if limits.min <= maxPages {
                LLVMSetMetadata(length, ir.rangeKind, ir.rangeNode(limits.min * page, maxPages * page + 1))
            }
        }
        return length
    }

    /// The target's data layout (sizes of types), as the module carries it.
    var targetData: LLVMTargetDataRef { LLVMGetModuleDataLayout(module) }

    /// A translated function's `swiftself` parameter (its vmctx); nil for a function
    /// without one. For the passes that run on IR after translation.
    static func vmctxParameter(of function: LLVMValueRef) -> LLVMValueRef? {
        let swiftself = "swiftself".withCString { LLVMGetEnumAttributeKindForName($0, 9) }
        for k in 0..<LLVMCountParams(function) where LLVMGetEnumAttributeAtIndex(function, k + 1, swiftself) != nil {
            return LLVMGetParam(function, k)
        }
        return nil
    }

    /// Loads a field of the vmctx or of a runtime structure, where `builder` stands.
    func loadVM(
        _ type: LLVMTypeRef, _ base: LLVMValueRef, _ offset: Int, invariant: Bool, in builder: LLVMBuilderRef
    ) -> LLVMValueRef {
        var address = base
        if offset != 0 {
            var index: LLVMValueRef? = ir.constI64(UInt64(offset))
            address = LLVMBuildGEP2(builder, ir.i8, base, &index, 1, "")!
        }
        let load = LLVMBuildLoad2(builder, type, address, "")!
        LLVMSetMetadata(load, ir.tbaaKind, ir.vmAccess)
        if invariant { LLVMSetMetadata(load, ir.invariantKind, ir.invariantNode) }
        LLVMSetAlignment(load, 8)
        return load
    }

    /// Calls the runtime's `trap` builtin with `kind` (docs/abi.md, "Builtins") and ends
    /// the block: the one way every trap of this tier is raised.
    func buildTrap(_ kind: TrapKind, vmctx: LLVMValueRef, in builder: LLVMBuilderRef) {
        let target = loadVM(ir.ptr, vmctx, VMContextLayout.builtin(.trap), invariant: true, in: builder)
        var args: [LLVMValueRef?] = [vmctx, ir.constI32(UInt32(kind.rawValue))]
        endWithTrapCall(LLVMBuildCall2(builder, ir.functionType(ir.void, [ir.ptr, ir.i32]), target, &args, 2, "")!, in: builder)
    }

    /// Marks a call that raises a trap as never returning and cold, and ends its block.
    func endWithTrapCall(_ call: LLVMValueRef, in builder: LLVMBuilderRef) {
        LLVMAddCallSiteAttribute(call, functionAttributeIndex, ir.enumAttribute("noreturn"))
        LLVMAddCallSiteAttribute(call, functionAttributeIndex, ir.enumAttribute("cold"))
        LLVMBuildUnreachable(builder)
    }

    /// Calls an overloaded LLVM intrinsic.
    func callIntrinsic(_ name: String, _ types: [LLVMTypeRef], _ args: [LLVMValueRef], in builder: LLVMBuilderRef)
        -> LLVMValueRef
    {
        let id = name.withCString { LLVMLookupIntrinsicID($0, name.utf8.count) }
        precondition(id != 0, "unknown intrinsic \(name)")
        var overloads: [LLVMTypeRef?] = types
        let (declaration, type) = overloads.withUnsafeMutableBufferPointer { buffer in
            (
                LLVMGetIntrinsicDeclaration(module, id, buffer.baseAddress, buffer.count)!,
                LLVMIntrinsicGetType(ir.context, id, buffer.baseAddress, buffer.count)!
            )
        }
        var values: [LLVMValueRef?] = args
        return values.withUnsafeMutableBufferPointer {
            LLVMBuildCall2(builder, type, declaration, $0.baseAddress, UInt32($0.count), "")!
        }
    }

    /// What the probed check of access `ordinal` of `function` calls when it fails: a
    /// function of its own, declared only (the probe module is optimized, never emitted).
    func probeTrap(function: UInt32, ordinal: Int) -> (LLVMValueRef, LLVMTypeRef) {
        let type = ir.functionType(ir.void, [ir.ptr])
        let callee = LLVMAddFunction(module, Self.probeTrapName(function: function, ordinal: ordinal), type)!
        LLVMAddAttributeAtIndex(callee, functionAttributeIndex, ir.enumAttribute("nounwind"))
        return (callee, type)
    }

    static func probeTrapName(function: UInt32, ordinal: Int) -> String { "kiln.probe.\(function).\(ordinal)" }

    /// Whether the probed check of access `ordinal` of `function` is still there.
    func probedCheckSurvives(function: UInt32, ordinal: Int) -> Bool {
        guard let callee = LLVMGetNamedFunction(module, Self.probeTrapName(function: function, ordinal: ordinal))
        else { return false }
        return LLVMGetFirstUse(callee) != nil
    }

    /// The module's IR as text (for `--emit-llvm`-style debugging and tests).
    var text: String {
        let s = LLVMPrintModuleToString(module)!
        defer { LLVMDisposeMessage(s) }
        return String(cString: s)
    }

    /// Checks the IR; a failure is a bug in the translator.
    func verify() throws(CompileError) {
        var message: UnsafeMutablePointer<CChar>?
        let failed = LLVMVerifyModule(module, LLVMReturnStatusAction, &message) != 0
        defer { if let message { LLVMDisposeMessage(message) } }
        if failed {
            let text = message.map { String(cString: $0) } ?? "?"
            throw CompileError.internalError("invalid LLVM IR: \(text.prefix(2000))")
        }
    }
}
