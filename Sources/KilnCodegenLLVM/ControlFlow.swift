import CLLVM

/// What the passes that run on optimized IR (``AddressMaterialization``,
/// ``StackCheckPlacement``) need of a function's control flow, which LLVM's C API does
/// not offer: its loops, splitting a block, branch weights.
enum ControlFlow {
    /// The blocks of `function` that lie on a cycle of its control-flow graph (Tarjan's
    /// strongly connected components: a block is in a loop if its component has more than
    /// one block or it branches to itself).
    static func blocksInLoops(_ function: LLVMValueRef) -> Set<LLVMBasicBlockRef> {
        var blocks: [LLVMBasicBlockRef] = []
        var number: [LLVMBasicBlockRef: Int] = [:]
        var block = LLVMGetFirstBasicBlock(function)
        while let b = block {
            number[b] = blocks.count
            blocks.append(b)
            block = LLVMGetNextBasicBlock(b)
        }
        let successors: [[Int]] = blocks.map { b in
            guard let terminator = LLVMGetBasicBlockTerminator(b) else { return [] }
            return (0..<LLVMGetNumSuccessors(terminator)).compactMap { number[LLVMGetSuccessor(terminator, $0)!] }
        }
        var index = [Int](repeating: -1, count: blocks.count)
        var low = [Int](repeating: 0, count: blocks.count)
        var onStack = [Bool](repeating: false, count: blocks.count)
        var stack: [Int] = []
        var next = 0
        var looping = Set<LLVMBasicBlockRef>()
        // Iterative, so a function of many blocks cannot exhaust the compiler's stack.
        for root in blocks.indices where index[root] < 0 {
            var work: [(block: Int, successor: Int)] = [(root, 0)]
            index[root] = next; low[root] = next; next += 1
            stack.append(root); onStack[root] = true
            while let (v, i) = work.last {
                if i < successors[v].count {
                    work[work.count - 1].successor += 1
                    let w = successors[v][i]
                    if index[w] < 0 {
                        index[w] = next; low[w] = next; next += 1
                        stack.append(w); onStack[w] = true
                        work.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                    continue
                }
                work.removeLast()
                if let parent = work.last { low[parent.block] = min(low[parent.block], low[v]) }
                guard low[v] == index[v] else { continue }
                var component: [Int] = []
                while true {
                    let w = stack.removeLast()
                    onStack[w] = false
                    component.append(w)
                    if w == v { break }
                }
                if component.count > 1 || successors[v].contains(v) {
                    for w in component { looping.insert(blocks[w]) }
                }
            }
        }
        return looping
    }

    /// Moves `instruction` and everything after it in `block` to a new block placed after
    /// it, and returns that block; `block` is left without a terminator. The phis of the
    /// moved terminator's successors are rebuilt to name the new block as their
    /// predecessor (the C API cannot change an incoming block in place).
    static func split(_ block: LLVMBasicBlockRef, before instruction: LLVMValueRef, ir: IRContext) -> LLVMBasicBlockRef {
        let function = LLVMGetBasicBlockParent(block)!
        let tail = LLVMAppendBasicBlockInContext(ir.context, function, "")!
        LLVMMoveBasicBlockAfter(tail, block)
        let builder = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(builder) }
        LLVMPositionBuilderAtEnd(builder, tail)
        var next: LLVMValueRef? = instruction
        while let i = next {
            next = LLVMGetNextInstruction(i)
            LLVMInstructionRemoveFromParent(i)
            LLVMInsertIntoBuilder(builder, i)
        }
        guard let terminator = LLVMGetBasicBlockTerminator(tail) else { return tail }
        var visited = Set<LLVMBasicBlockRef>()
        for k in 0..<LLVMGetNumSuccessors(terminator) {
            let successor = LLVMGetSuccessor(terminator, k)!
            guard visited.insert(successor).inserted else { continue }
            var phi = LLVMGetFirstInstruction(successor)
            while let old = phi, LLVMIsAPHINode(old) != nil {
                phi = LLVMGetNextInstruction(old)
                let count = LLVMCountIncoming(old)
                guard (0..<count).contains(where: { LLVMGetIncomingBlock(old, $0) == block }) else { continue }
                LLVMPositionBuilderBefore(builder, old)
                let new = LLVMBuildPhi(builder, LLVMTypeOf(old), "")!
                for i in 0..<count {
                    var value: LLVMValueRef? = LLVMGetIncomingValue(old, i)
                    var from: LLVMBasicBlockRef? = LLVMGetIncomingBlock(old, i)
                    if from == block { from = tail }
                    LLVMAddIncoming(new, &value, &from, 1)
                }
                LLVMReplaceAllUsesWith(old, new)
                LLVMInstructionEraseFromParent(old)
            }
        }
        return tail
    }

    /// `!prof` branch weights on a conditional branch: `first` for its first successor,
    /// `second` for its second.
    static func setWeights(_ branch: LLVMValueRef, _ first: UInt32, _ second: UInt32, ir: IRContext) {
        let kind = "branch_weights".withCString { LLVMMDStringInContext2(ir.context, $0, 14) }
        var ops: [LLVMMetadataRef?] = [
            kind, LLVMValueAsMetadata(ir.constI32(first)), LLVMValueAsMetadata(ir.constI32(second)),
        ]
        let node = ops.withUnsafeMutableBufferPointer { LLVMMDNodeInContext2(ir.context, $0.baseAddress, $0.count) }
        let profKind = "prof".withCString { LLVMGetMDKindID($0, 4) }
        LLVMSetMetadata(branch, profKind, LLVMMetadataAsValue(ir.context, node))
    }
}
