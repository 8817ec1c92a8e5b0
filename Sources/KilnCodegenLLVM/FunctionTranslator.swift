import CLLVM
import KilnABI
import KilnCodegen
import KilnFrontend
import WasmParser
import WasmTypes

/// Translates one validated wasm function body into LLVM IR: a WasmParser
/// `AnyInstructionVisitor` that keeps the wasm value stack as LLVM values, the control
/// frames as basic blocks with phi nodes, the locals as allocas (promoted to SSA by
/// LLVM's mem2reg). Anything it does not translate is an error naming the operator:
/// there is no silent default (``visit(_:)`` switches over every instruction).
///
/// Trap semantics stay exact (docs/codegen.md, "Optimizing tier"): every trap is a call
/// to the `trap` builtin, which LLVM must assume reads memory, so every earlier store
/// is done and no later one has happened when it runs; memory accesses are checked
/// against the current length before they execute, so a load LLVM deletes as dead has
/// still had its check.
struct FunctionTranslator: AnyInstructionVisitor {
    typealias VisitorError = CompileError

    let ir: IRContext
    let module: ModuleTranslation
    let builder: LLVMBuilderRef
    let function: LLVMValueRef
    let functionIndex: UInt32
    let signature: LoweredSignature
    var binaryOffset: Int = 0

    var vmctx: LLVMValueRef
    var locals: [(slot: LLVMValueRef, kind: ValueKind)] = []
    var stack: [LLVMValueRef] = []
    var frames: [ControlFrame] = []
    var reachable = true
    /// Blocks opened while unreachable, skipped entirely.
    var unreachableDepth = 0
    var trapBlocks: [TrapKind: LLVMBasicBlockRef] = [:]
    /// Which loads and stores are checked and which guarded (``HeapAccessPolicy``).
    let accessPolicy: HeapAccessPolicy
    /// Loads and stores translated so far: the next one's ordinal.
    var accessCount = 0
    let entryBlock: LLVMBasicBlockRef

    init(module: ModuleTranslation, functionIndex: UInt32, accessPolicy: HeapAccessPolicy) throws(CompileError) {
        self.module = module
        self.accessPolicy = accessPolicy
        ir = module.ir
        builder = module.builder
        self.functionIndex = functionIndex
        function = module.function(functionIndex)
        signature = module.signature(ofFunction: functionIndex)
        entryBlock = LLVMAppendBasicBlockInContext(ir.context, function, "entry")
        LLVMPositionBuilderAtEnd(builder, entryBlock)
        vmctx = LLVMGetParam(function, signature.vmctxParameter)
    }

    /// Translates the body into `function`.
    mutating func translate() throws(CompileError) {
        let env = module.env
        let body = env.module.bodies[Int(functionIndex) - env.module.importedFunctionCount]
        let params = signature.signature.parameters
        for (i, kind) in params.enumerated() {
            let slot = alloca(kind)
            let raw = LLVMGetParam(function, signature.firstWasmParameter + UInt32(i))!
            LLVMBuildStore(builder, fromABI(raw, kind), slot)
            locals.append((slot, kind))
        }
        for local in body.locals {
            let kind = try ModuleEnvironment.kind(local)
            let slot = alloca(kind)
            LLVMBuildStore(builder, LLVMConstNull(LoweredSignature.valueType(kind, ir)), slot)
            locals.append((slot, kind))
        }
        let returnBlock = appendBlock("return")
        frames.append(
            ControlFrame(
                kind: .function, params: [], results: signature.signature.results, height: 0,
                branchTarget: returnBlock, endBlock: returnBlock,
                branchPhis: makePhis(in: returnBlock, signature.signature.results), elseBlock: nil))
        frames[0].endPhis = frames[0].branchPhis

        var parser = ExpressionParser(code: body)
        do {
            while let visitInstruction = try parser.parse() {
                try visitInstruction(visitor: &self)
                binaryOffset = parser.offset
            }
        } catch let e as CompileError {
            var e = e
            if e.functionIndex == nil { e.functionIndex = functionIndex }
            if e.offset == nil { e.offset = binaryOffset }
            throw e
        } catch {
            throw CompileError.internalError("decoding failed: \(error)", function: functionIndex, offset: binaryOffset)
        }
    }

    // MARK: the visitor

    mutating func visit(_ instruction: Instruction) throws(CompileError) {
        if !reachable {
            try visitUnreachableCode(instruction)
            return
        }
        switch instruction {
        case .unreachable: trap(.unreachable)
        case .nop: break
        case .block(let t): try enterBlock(.block, t)
        case .loop(let t): try enterBlock(.loop, t)
        case .if(let t): try enterBlock(.if, t)
        case .else: try visitElseInstruction()
        case .end: try visitEndInstruction()
        case .br(let depth): branch(toDepth: depth)
        case .brIf(let depth): branchIf(toDepth: depth)
        case .brTable(let table): branchTable(table)
        case .return: emitReturn(Array(stack.suffix(signature.signature.results.count)))
        case .call(let f): try call(function: f, tail: false)
        case .callIndirect(let t, let table): try callIndirect(typeIndex: t, table: table, tail: false)
        case .returnCall(let f): try call(function: f, tail: true)
        case .returnCallIndirect(let t, let table): try callIndirect(typeIndex: t, table: table, tail: true)
        case .drop: _ = pop()
        case .select, .typedSelect:
            let cond = pop(), b = pop(), a = pop()
            let isTrue = LLVMBuildICmp(builder, LLVMIntNE, cond, ir.constI32(0), "")
            push(LLVMBuildSelect(builder, isTrue, a, b, ""))
        case .localGet(let i):
            let local = locals[Int(i)]
            push(LLVMBuildLoad2(builder, LoweredSignature.valueType(local.kind, ir), local.slot, ""))
        case .localSet(let i): LLVMBuildStore(builder, pop(), locals[Int(i)].slot)
        case .localTee(let i): LLVMBuildStore(builder, stack[stack.count - 1], locals[Int(i)].slot)
        case .globalGet(let g): push(loadGlobal(g))
        case .globalSet(let g): storeGlobal(g, pop())
        case .load(let load, let memarg): try self.load(load, memarg)
        case .store(let store, let memarg): try self.store(store, memarg)
        case .memorySize: push(memorySize())
        case .memoryGrow: memoryGrow()
        case .memoryFill: callBuiltin(.memoryFill, popArguments(3))
        case .memoryCopy: callBuiltin(.memoryCopy, popArguments(3))
        case .memoryInit(let segment, _): callBuiltin(.memoryInit, [ir.constI32(segment)] + popArguments(3))
        case .dataDrop(let segment): callBuiltin(.dataDrop, [ir.constI32(segment)])
        case .i32Const(let v): push(ir.constI32(UInt32(bitPattern: v)))
        case .i64Const(let v): push(ir.constI64(UInt64(bitPattern: v)))
        case .f32Const(let v):
            let c = ir.constF32(bits: v.bitPattern)
            push(v.bitPattern & 0x7FFF_FFFF == 0 || v.bitPattern & 0x7FFF_FFFF == 0x3F80_0000 ? opaque(c) : c)
        case .f64Const(let v):
            let c = ir.constF64(bits: v.bitPattern)
            let magnitude = v.bitPattern & 0x7FFF_FFFF_FFFF_FFFF
            push(magnitude == 0 || magnitude == 0x3FF0_0000_0000_0000 ? opaque(c) : c)
        case .refNull: push(ir.constI64(0))
        case .refIsNull:
            let isNull = LLVMBuildICmp(builder, LLVMIntEQ, pop(), ir.constI64(0), "")
            push(LLVMBuildZExt(builder, isNull, ir.i32, ""))
        case .refFunc(let f):
            push(callBuiltin(.refFunc, [ir.constI32(f)], result: ir.i64))
        case .i32Eqz: push(isZero(pop()))
        case .i64Eqz: push(isZero(pop()))
        case .cmp(let cmp): compare(cmp)
        case .unary(let op): unary(op)
        case .binary(let op): binary(op)
        case .conversion(let op): convert(op)
        case .tableGet(let t): push(callBuiltin(.tableGet, [ir.constI32(t), pop()], result: ir.i64))
        case .tableSet(let t):
            let value = pop(), index = pop()
            callBuiltin(.tableSet, [ir.constI32(t), index, value])
        case .tableSize(let t): push(LLVMBuildTrunc(builder, tableLength(t), ir.i32, ""))
        case .tableGrow(let t):
            let delta = pop(), initial = pop()
            let old = callBuiltin(.tableGrow, [ir.constI32(t), delta, initial], result: ir.i64)
            push(LLVMBuildTrunc(builder, old, ir.i32, ""))
        case .tableFill(let t):
            let length = pop(), value = pop(), start = pop()
            callBuiltin(.tableFill, [ir.constI32(t), start, value, length])
        case .tableCopy(let dst, let src): callBuiltin(.tableCopy, [ir.constI32(dst), ir.constI32(src)] + popArguments(3))
        case .tableInit(let segment, let t):
            callBuiltin(.tableInit, [ir.constI32(t), ir.constI32(segment)] + popArguments(3))
        case .elemDrop(let segment): callBuiltin(.elemDrop, [ir.constI32(segment)])
        default:
            throw CompileError.unsupported("\(instruction)".prefix(while: { $0 != "(" }).description)
        }
    }

    /// Unreachable code is skipped; only the nesting is followed, so the `else` / `end`
    /// that makes code reachable again is found.
    mutating func visitUnreachableCode(_ instruction: Instruction) throws(CompileError) {
        switch instruction {
        case .block, .loop, .if: unreachableDepth += 1
        case .else where unreachableDepth == 0: try visitElseInstruction()
        case .end:
            if unreachableDepth > 0 { unreachableDepth -= 1 } else { try visitEndInstruction() }
        default: break
        }
    }

    // MARK: values

    mutating func push(_ v: LLVMValueRef) { stack.append(v) }
    mutating func pop() -> LLVMValueRef { stack.removeLast() }
    /// The top `n` values, deepest first.
    mutating func popArguments(_ n: Int) -> [LLVMValueRef] {
        let values = Array(stack.suffix(n))
        stack.removeLast(n)
        return values
    }

    /// A local's stack slot, in the entry block (where mem2reg finds it).
    func alloca(_ kind: ValueKind) -> LLVMValueRef {
        alloca(LoweredSignature.valueType(kind, ir))
    }

    /// Stack space in the entry block (a static alloca, part of the fixed frame).
    func alloca(_ type: LLVMTypeRef) -> LLVMValueRef {
        let position = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(position) }
        if let first = LLVMGetFirstInstruction(entryBlock) {
            LLVMPositionBuilderBefore(position, first)
        } else {
            LLVMPositionBuilderAtEnd(position, entryBlock)
        }
        return LLVMBuildAlloca(position, type, "")
    }

    func isZero(_ v: LLVMValueRef) -> LLVMValueRef {
        let z = LLVMBuildICmp(builder, LLVMIntEQ, v, LLVMConstNull(LLVMTypeOf(v)), "")
        return LLVMBuildZExt(builder, z, ir.i32, "")
    }

    /// A value as the ABI passes it (i32 widened).
    func toABI(_ v: LLVMValueRef, _ kind: ValueKind) -> LLVMValueRef {
        kind == .i32 ? LLVMBuildZExt(builder, v, ir.i64, "") : v
    }

    /// A value received through the ABI as the body uses it.
    func fromABI(_ v: LLVMValueRef, _ kind: ValueKind) -> LLVMValueRef {
        kind == .i32 ? LLVMBuildTrunc(builder, v, ir.i32, "") : v
    }

    func appendBlock(_ name: String) -> LLVMBasicBlockRef {
        LLVMAppendBasicBlockInContext(ir.context, function, name)
    }

    // MARK: vmctx access

    /// A pointer `offset` bytes into `base`.
    func address(_ base: LLVMValueRef, _ offset: Int) -> LLVMValueRef {
        if offset == 0 { return base }
        var index: LLVMValueRef? = ir.constI64(UInt64(offset))
        return LLVMBuildGEP2(builder, ir.i8, base, &index, 1, "")
    }

    /// Loads a field of the vmctx or of a runtime structure.
    func loadVM(_ type: LLVMTypeRef, _ base: LLVMValueRef, _ offset: Int, invariant: Bool) -> LLVMValueRef {
        module.loadVM(type, base, offset, invariant: invariant, in: builder)
    }

    /// Calls a builtin (C ABI, the caller's vmctx first; docs/abi.md, "Builtins").
    @discardableResult
    func callBuiltin(_ builtin: Builtin, _ args: [LLVMValueRef], result: LLVMTypeRef? = nil) -> LLVMValueRef {
        let target = loadVM(ir.ptr, vmctx, VMContextLayout.builtin(builtin), invariant: true)
        var values: [LLVMValueRef?] = [vmctx] + args
        let type = ir.functionType(result ?? ir.void, values.map { LLVMTypeOf($0!) })
        let call = values.withUnsafeMutableBufferPointer {
            LLVMBuildCall2(builder, type, target, $0.baseAddress, UInt32($0.count), "")!
        }
        return call
    }

    // MARK: traps

    /// Ends the current block with a trap (the code after it is unreachable).
    mutating func trap(_ kind: TrapKind) {
        LLVMBuildBr(builder, trapBlock(kind))
        markUnreachable()
    }

    /// Branches to a trap of `kind` when `condition` holds, and continues otherwise.
    mutating func trap(if condition: LLVMValueRef, _ kind: TrapKind) {
        let next = appendBlock("")
        let br = LLVMBuildCondBr(builder, condition, trapBlock(kind), next)!
        setUnlikely(br)
        LLVMPositionBuilderAtEnd(builder, next)
    }

    /// Traps with "uninitialized element" when `funcref` is 0, through a branch LLVM may
    /// replace with the fault of the first load from the funcref (its implicit-null-check
    /// pass; the object's fault map then names that load, and ``ObjectPlacement`` makes it
    /// a trap site). Nothing is stored between the branch and that load, so the trap
    /// leaves memory as the branch would.
    mutating func trapIfNull(_ funcref: LLVMValueRef) {
        let next = appendBlock("")
        let isNull = LLVMBuildICmp(builder, LLVMIntEQ, funcref, ir.constI64(0), "")!
        let br = LLVMBuildCondBr(builder, isNull, trapBlock(.uninitializedElement), next)!
        setUnlikely(br)
        LLVMSetMetadata(br, ir.makeImplicitKind, ir.invariantNode)
        LLVMPositionBuilderAtEnd(builder, next)
    }

    /// Continues when `condition` holds, and traps with `kind` otherwise.
    mutating func trap(unless condition: LLVMValueRef, _ kind: TrapKind) {
        branch(unless: condition, to: trapBlock(kind))
    }

    /// Continues in a new block when `condition` holds, else goes to the cold `block`.
    mutating func branch(unless condition: LLVMValueRef, to block: LLVMBasicBlockRef) {
        let next = appendBlock("")
        setLikely(LLVMBuildCondBr(builder, condition, next, block)!)
        LLVMPositionBuilderAtEnd(builder, next)
    }

    /// Marks the first successor of a conditional branch as hot, the second as cold.
    func setLikely(_ branch: LLVMValueRef) { ControlFlow.setWeights(branch, 1 << 20, 1, ir: ir) }

    /// Marks the first successor of a conditional branch as cold.
    func setUnlikely(_ branch: LLVMValueRef) { ControlFlow.setWeights(branch, 1, 1 << 20, ir: ir) }

    /// One block per trap kind per function: a call of the `trap` builtin.
    mutating func trapBlock(_ kind: TrapKind) -> LLVMBasicBlockRef {
        if let block = trapBlocks[kind] { return block }
        let current = LLVMGetInsertBlock(builder)!
        let block = appendBlock("trap.\(kind)")
        LLVMPositionBuilderAtEnd(builder, block)
        module.buildTrap(kind, vmctx: vmctx, in: builder)
        LLVMPositionBuilderAtEnd(builder, current)
        trapBlocks[kind] = block
        return block
    }

}
