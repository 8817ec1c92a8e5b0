import CLLVM
import KilnABI
import KilnCodegen
import WasmParser
import WasmTypes

/// A wasm control frame as basic blocks: where a branch to it goes (a loop's header,
/// otherwise its end) and the phi nodes that receive the branch's values.
struct ControlFrame {
    enum Kind { case function, block, loop, `if`, `else` }
    var kind: Kind
    var params: [ValueKind]
    var results: [ValueKind]
    /// Value-stack height below the frame's parameters.
    var height: Int
    var branchTarget: LLVMBasicBlockRef
    var endBlock: LLVMBasicBlockRef
    /// Phis in `branchTarget`: a loop's parameters, otherwise its results.
    var branchPhis: [LLVMValueRef]
    /// An `if`'s else block (its parameters are `elseParams`).
    var elseBlock: LLVMBasicBlockRef?
    var elseParams: [LLVMValueRef] = []
    /// Phis in `endBlock` (the results).
    var endPhis: [LLVMValueRef] = []
    /// Whether anything branches or falls through to `endBlock`.
    var endReached = false

    init(
        kind: Kind, params: [ValueKind], results: [ValueKind], height: Int, branchTarget: LLVMBasicBlockRef,
        endBlock: LLVMBasicBlockRef, branchPhis: [LLVMValueRef], elseBlock: LLVMBasicBlockRef?
    ) {
        self.kind = kind
        self.params = params
        self.results = results
        self.height = height
        self.branchTarget = branchTarget
        self.endBlock = endBlock
        self.branchPhis = branchPhis
        self.elseBlock = elseBlock
    }

    /// The values a branch to this frame carries.
    var branchKinds: [ValueKind] { kind == .loop ? params : results }
}

extension FunctionTranslator {
    func blockSignature(_ type: BlockType) throws(CompileError) -> (params: [ValueKind], results: [ValueKind]) {
        switch type {
        case .empty: return ([], [])
        case .type(let t): return ([], [try ModuleEnvironment.kind(t)])
        case .funcType(let index):
            let s = module.env.signatures[Int(index)]
            return (s.parameters, s.results)
        }
    }

    func makePhis(in block: LLVMBasicBlockRef, _ kinds: [ValueKind]) -> [LLVMValueRef] {
        guard !kinds.isEmpty else { return [] }
        let current = LLVMGetInsertBlock(builder)
        LLVMPositionBuilderAtEnd(builder, block)
        let phis = kinds.map { LLVMBuildPhi(builder, LoweredSignature.valueType($0, ir), "")! }
        if let current { LLVMPositionBuilderAtEnd(builder, current) }
        return phis
    }

    func addIncoming(_ phis: [LLVMValueRef], _ values: [LLVMValueRef]) {
        let from = LLVMGetInsertBlock(builder)
        for (phi, value) in zip(phis, values) {
            var v: LLVMValueRef? = value
            var b: LLVMBasicBlockRef? = from
            LLVMAddIncoming(phi, &v, &b, 1)
        }
    }

    mutating func markUnreachable() {
        reachable = false
        unreachableDepth = 0
        stack.removeLast(stack.count - frames[frames.count - 1].height)
    }

    mutating func enterBlock(_ kind: ControlFrame.Kind, _ type: BlockType) throws(CompileError) {
        let (params, results) = try blockSignature(type)
        let condition = kind == .if ? pop() : nil
        let height = stack.count - params.count
        let end = appendBlock(kind == .loop ? "loop.end" : "end")
        let endPhis = makePhis(in: end, results)
        switch kind {
        case .loop:
            let header = appendBlock("loop")
            let phis = makePhis(in: header, params)
            addIncoming(phis, Array(stack.suffix(params.count)))
            LLVMBuildBr(builder, header)
            LLVMPositionBuilderAtEnd(builder, header)
            stack.removeLast(params.count)
            stack += phis
            var frame = ControlFrame(
                kind: .loop, params: params, results: results, height: height, branchTarget: header,
                endBlock: end, branchPhis: phis, elseBlock: nil)
            frame.endPhis = endPhis
            frames.append(frame)
        case .if:
            let then = appendBlock("then"), otherwise = appendBlock("else")
            let isTrue = LLVMBuildICmp(builder, LLVMIntNE, condition!, ir.constI32(0), "")
            LLVMBuildCondBr(builder, isTrue, then, otherwise)
            LLVMPositionBuilderAtEnd(builder, then)
            var frame = ControlFrame(
                kind: .if, params: params, results: results, height: height, branchTarget: end,
                endBlock: end, branchPhis: endPhis, elseBlock: otherwise)
            frame.elseParams = Array(stack.suffix(params.count))
            frame.endPhis = endPhis
            frames.append(frame)
        default:
            var frame = ControlFrame(
                kind: .block, params: params, results: results, height: height, branchTarget: end,
                endBlock: end, branchPhis: endPhis, elseBlock: nil)
            frame.endPhis = endPhis
            frames.append(frame)
        }
    }

    /// Falls through from the current block to the frame's end with its results.
    mutating func fallThroughToEnd() {
        let frame = frames[frames.count - 1]
        addIncoming(frame.endPhis, Array(stack.suffix(frame.results.count)))
        LLVMBuildBr(builder, frame.endBlock)
        frames[frames.count - 1].endReached = true
    }

    mutating func visitElseInstruction() throws(CompileError) {
        if reachable { fallThroughToEnd() }
        var frame = frames.removeLast()
        stack.removeLast(stack.count - frame.height)
        stack += frame.elseParams
        LLVMPositionBuilderAtEnd(builder, frame.elseBlock!)
        frame.elseBlock = nil
        frame.kind = .else
        frames.append(frame)
        reachable = true
        unreachableDepth = 0
    }

    mutating func visitEndInstruction() throws(CompileError) {
        if reachable { fallThroughToEnd() }
        var frame = frames.removeLast()
        if let otherwise = frame.elseBlock {
            // An `if` without `else`: the false path passes the parameters through.
            LLVMPositionBuilderAtEnd(builder, otherwise)
            addIncoming(frame.endPhis, frame.elseParams)
            LLVMBuildBr(builder, frame.endBlock)
            frame.endReached = true
        }
        stack.removeLast(stack.count - frame.height)
        if frame.kind == .function {
            LLVMPositionBuilderAtEnd(builder, frame.endBlock)
            if frame.endReached {
                emitReturn(frame.endPhis)
            } else {
                for phi in frame.endPhis { LLVMInstructionEraseFromParent(phi) }
                LLVMBuildUnreachable(builder)
            }
            reachable = false
            return
        }
        LLVMPositionBuilderAtEnd(builder, frame.endBlock)
        if frame.endReached {
            stack += frame.endPhis
            reachable = true
        } else {
            for phi in frame.endPhis { LLVMInstructionEraseFromParent(phi) }
            LLVMBuildUnreachable(builder)
            reachable = false
            if !frames.isEmpty { stack.removeLast(stack.count - frames[frames.count - 1].height) }
            unreachableDepth = 0
        }
    }

    /// Sends the top values to frame `depth` (the current block then ends).
    mutating func jump(toDepth depth: UInt32) {
        let i = frames.count - 1 - Int(depth)
        let frame = frames[i]
        addIncoming(frame.branchPhis, Array(stack.suffix(frame.branchKinds.count)))
        LLVMBuildBr(builder, frame.branchTarget)
        if frame.kind != .loop { frames[i].endReached = true }
    }

    mutating func branch(toDepth depth: UInt32) {
        jump(toDepth: depth)
        markUnreachable()
    }

    mutating func branchIf(toDepth depth: UInt32) {
        let condition = pop()
        let taken = appendBlock("br_if"), next = appendBlock("")
        let isTrue = LLVMBuildICmp(builder, LLVMIntNE, condition, ir.constI32(0), "")
        LLVMBuildCondBr(builder, isTrue, taken, next)
        LLVMPositionBuilderAtEnd(builder, taken)
        jump(toDepth: depth)
        LLVMPositionBuilderAtEnd(builder, next)
    }

    /// A `switch` whose cases go to one block per distinct target depth, each of which
    /// jumps with the values (so every phi gets one incoming edge per block).
    mutating func branchTable(_ table: BrTable) {
        let index = pop()
        var blocks: [UInt32: LLVMBasicBlockRef] = [:]
        func block(for depth: UInt32) -> LLVMBasicBlockRef {
            if let b = blocks[depth] { return b }
            let b = appendBlock("br_table.\(depth)")
            blocks[depth] = b
            return b
        }
        let defaultBlock = block(for: table.defaultIndex)
        let switchInst = LLVMBuildSwitch(builder, index, defaultBlock, UInt32(table.labelIndices.count))
        for (i, depth) in table.labelIndices.enumerated() {
            LLVMAddCase(switchInst, ir.constI32(UInt32(i)), block(for: depth))
        }
        for (depth, b) in blocks.sorted(by: { $0.key < $1.key }) {
            LLVMPositionBuilderAtEnd(builder, b)
            jump(toDepth: depth)
        }
        markUnreachable()
    }

    /// Returns `values` (the function's results) under the ABI.
    mutating func emitReturn(_ values: [LLVMValueRef]) {
        let kinds = signature.signature.results
        if signature.resultsInMemory {
            let buffer = LLVMGetParam(function, 0)!
            for (k, (value, kind)) in zip(values, kinds).enumerated() {
                let store = LLVMBuildStore(builder, toABI(value, kind), address(buffer, 8 * k))!
                LLVMSetAlignment(store, 8)
            }
            LLVMBuildRetVoid(builder)
        } else if values.isEmpty {
            LLVMBuildRetVoid(builder)
        } else if values.count == 1 {
            LLVMBuildRet(builder, toABI(values[0], kinds[0]))
        } else {
            var aggregate = LLVMGetUndef(signature.returnType)!
            for (k, (value, kind)) in zip(values, kinds).enumerated() {
                aggregate = LLVMBuildInsertValue(
                    builder, aggregate, toABI(value, kind), UInt32(k), "")
            }
            LLVMBuildRet(builder, aggregate)
        }
        if reachable && !frames.isEmpty { markUnreachable() }
    }
}
