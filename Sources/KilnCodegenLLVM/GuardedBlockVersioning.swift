import CLLVM

/// Gives a run of loop blocks whose guarded accesses share base addresses one bounds
/// check at its entry and two copies: a fast one where those accesses are ordinary loads
/// and stores, taken when the check passes, and the original, guarded one, taken when it
/// fails (docs/codegen.md, "Versioned loop blocks").
///
/// Guarded accesses (``HeapAccessPolicy``) are the ones LLVM could not bound. They stay in
/// order and are never merged, so a loop over records through a pointer induction
/// variable (nbody's bodies) neither vectorizes nor folds its field offsets: each
/// `p + 56` is a 32-bit add, since it may wrap in wasm. Within one iteration, though, the
/// accesses at `p + k` for constants `k` lie in one range around `p`. One comparison at
/// the run's entry, `zext(p) + max(k + offset + size) <= length` (and `zext(p) + min(k)
/// >= 0` for a negative `k`), proves them all in bounds and none of the 32-bit sums
/// wrapping, for the whole run: the length never shrinks and `p` is an SSA value, so
/// whatever the run does (calls, `memory.grow`, other traps) cannot make a covered
/// access fault. The fast copy addresses them as `zext(p) + k + offset` and drops their
/// volatility and fault points, so LLVM optimizes them like any load and store.
///
/// When the check fails, some covered access may be out of bounds, and the slow copy
/// runs every access as translated, so the first one out of bounds traps exactly where
/// it would have. Values the run defines reach later blocks through phis in a join block
/// that takes over the run's terminator.
///
/// A run is a loop block and the blocks it leads straight into past branches to traps
/// (``chains(in:)``). It runs after SSA construction (`sroa`), before `default<O2>`, on
/// loops only (each run doubles in size), and only where the covered accesses outnumber
/// the checks enough to pay for them.
struct GuardedBlockVersioning {
    let translation: ModuleTranslation
    private var ir: IRContext { translation.ir }

    /// A guarded access whose address is `zext(root + k) + offset`, with `root` available
    /// at the run's entry or computable there (``rootAtEntry``).
    private struct Covered {
        let access: LLVMValueRef
        let root: LLVMValueRef
        /// `k` (as a signed 32-bit value) plus the access's static offset.
        let displacement: Int64
        /// Bytes accessed.
        let size: Int64
    }

    /// The bytes the covered accesses of one root touch, relative to `zext(root)`.
    private struct Extent {
        var lowest: Int64
        var end: Int64
    }

    func run() {
        var function = LLVMGetFirstFunction(translation.module)
        while let f = function {
            function = LLVMGetNextFunction(f)
            guard LLVMCountBasicBlocks(f) > 0, let vmctx = ModuleTranslation.vmctxParameter(of: f) else { continue }
            for chain in chains(in: f) { version(chain, vmctx: vmctx) }
        }
    }

    /// The function's straight-line runs of loop blocks: each block after the first has
    /// the one before as its only predecessor, which reaches it unconditionally or past a
    /// branch to a trap (a block ending in `unreachable`), as the translator's checks of
    /// division, conversion and checked accesses do. Runs of one block included.
    private func chains(in function: LLVMValueRef) -> [[LLVMBasicBlockRef]] {
        let looping = ControlFlow.blocksInLoops(function)
        var next: [LLVMBasicBlockRef: LLVMBasicBlockRef] = [:]
        var continued = Set<LLVMBasicBlockRef>()
        var order: [LLVMBasicBlockRef] = []
        var block = LLVMGetFirstBasicBlock(function)
        while let b = block {
            block = LLVMGetNextBasicBlock(b)
            guard looping.contains(b) else { continue }
            order.append(b)
            if let successor = straightSuccessor(of: b), looping.contains(successor) {
                next[b] = successor
                continued.insert(successor)
            }
        }
        var result: [[LLVMBasicBlockRef]] = []
        for head in order where !continued.contains(head) {
            var chain = [head]
            while let successor = next[chain.last!], !chain.contains(successor) { chain.append(successor) }
            result.append(chain)
        }
        return result
    }

    /// The block `block` runs into: its unconditional successor, or the one successor of
    /// a conditional branch whose other successor is a trap; nil unless `block` is that
    /// block's only predecessor.
    private func straightSuccessor(of block: LLVMBasicBlockRef) -> LLVMBasicBlockRef? {
        guard let terminator = LLVMGetBasicBlockTerminator(block), LLVMGetInstructionOpcode(terminator) == LLVMBr
        else { return nil }
        let successors = (0..<LLVMGetNumSuccessors(terminator)).map { LLVMGetSuccessor(terminator, $0)! }
        let onward = successors.filter { !isTrap($0) }
        guard onward.count == 1, let successor = onward.first, successor != block else { return nil }
        // Its only use is this branch (a block's uses are the terminators that name it).
        let value = LLVMBasicBlockAsValue(successor)!
        guard let use = LLVMGetFirstUse(value), LLVMGetNextUse(use) == nil, LLVMGetUser(use) == terminator
        else { return nil }
        return successor
    }

    private func isTrap(_ block: LLVMBasicBlockRef) -> Bool {
        guard let terminator = LLVMGetBasicBlockTerminator(block) else { return false }
        return LLVMGetInstructionOpcode(terminator) == LLVMUnreachable
    }

    /// What one run's check covers: its covered accesses, their roots in order, and
    /// the bytes each root's accesses touch.
    private struct Plan {
        var covered: [Covered] = []
        var roots: [LLVMValueRef] = []
        var extents: [LLVMValueRef: Extent] = [:]
    }

    private func version(_ chain: [LLVMBasicBlockRef], vmctx: LLVMValueRef) {
        let estimate = plan(chain, head: chain[0])
        // The check costs about what two guarded accesses do per root (an extension, an
        // add, a compare), plus the branch; with fewer accesses it only adds work (an
        // interpreter's `pc++`, a pair of byte stores).
        guard estimate.covered.count >= 2 * estimate.roots.count + 2, !definesValuesUsedInTraps(chain) else { return }
        let builder = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(builder) }
        let (head, fast, slow, joinPhis) = duplicate(chain, builder: builder)
        // Planned again on the fast copy: splitting rebuilds the phis of the blocks the
        // moved terminators branch to, and when the run's last block (or its only one)
        // branches back to its head, a root that is a phi of the head is one of those,
        // replaced by a new phi (zstd built with -Oz had such single-block loops). The
        // accesses are the same instructions, moved; the roots are the current values.
        let plan = plan(fast, head: head)
        LLVMPositionBuilderAtEnd(builder, head)
        let (extended, check) = buildCheck(plan, vmctx: vmctx, fast: fast, slow: slow, builder: builder)
        // The fast copy: the covered accesses become ordinary ones at `zext(root) + k`.
        for access in plan.covered {
            let isLoad = LLVMIsALoadInst(access.access) != nil
            let pointerOperand: UInt32 = isLoad ? 0 : 1
            let oldPointer = LLVMGetOperand(access.access, pointerOperand)!
            LLVMPositionBuilderBefore(builder, access.access)
            let pointer = Self.coveredAddress(
                base: LLVMGetOperand(oldPointer, 0)!, extended: extended[access.root]!,
                displacement: access.displacement, ir: ir, builder: builder)
            LLVMSetOperand(access.access, pointerOperand, pointer)
            LLVMSetVolatile(access.access, 0)
            if let next = LLVMGetNextInstruction(access.access), isFaultPoint(next) {
                LLVMInstructionEraseFromParent(next)
            }
        }
        addMergedCopy(
            plan, fast: fast, after: slow[slow.count - 1], joinPhis: joinPhis, extended: extended, check: check,
            builder: builder)
    }

    /// The address of a covered access in the fast copy, `base + zext(root) + displacement`
    /// (`extended` is `zext(root)`): the one form both the fast copy and its merged accesses
    /// (``AdjacentAccessMerging``) use. The sum cannot wrap where the check passed.
    static func coveredAddress(
        base: LLVMValueRef, extended: LLVMValueRef, displacement: Int64, ir: IRContext, builder: LLVMBuilderRef
    ) -> LLVMValueRef {
        let constant = ir.constI64(UInt64(bitPattern: displacement))
        var index: LLVMValueRef? =
            displacement >= 0
            ? LLVMBuildNUWAdd(builder, extended, constant, "")
            : LLVMBuildNSWAdd(builder, extended, constant, "")
        return LLVMBuildInBoundsGEP2(builder, ir.i8, base, &index, 1, "")!
    }

    /// A third copy of the run, made from the fast one, in which covered accesses of one
    /// root at consecutive bytes become one (``AdjacentAccessMerging``). It runs instead of
    /// the fast copy when the roots whose accesses the merging moved past each other touch
    /// disjoint bytes, `[zext(root) + lowest, zext(root) + end)`; when they may overlap (a
    /// `memmove` by one byte), the fast copy runs as before. Made only where some group
    /// could merge.
    private func addMergedCopy(
        _ plan: Plan, fast: [LLVMBasicBlockRef], after: LLVMBasicBlockRef,
        joinPhis: [(phi: LLVMValueRef, value: LLVMValueRef)], extended: [LLVMValueRef: LLVMValueRef],
        check: LLVMValueRef, builder: LLVMBuilderRef
    ) {
        func accesses(_ map: (LLVMValueRef) -> LLVMValueRef) -> [AdjacentAccessMerging.Access] {
            plan.covered.map {
                AdjacentAccessMerging.Access(
                    instruction: map($0.access), root: $0.root, displacement: $0.displacement, size: $0.size,
                    isLoad: LLVMIsALoadInst($0.access) != nil)
            }
        }
        let merging = AdjacentAccessMerging(ir: ir)
        guard merging.mayMerge(accesses({ $0 }), in: fast) else { return }
        let (merged, copies) = copy(fast, after: after, joinPhis: joinPhis, builder: builder)
        let result = merging.run(blocks: merged, accesses: accesses({ copies[$0]! }), extended: extended)
        // Between the check and the two copies: when nothing merged after all, the merged
        // copy is never taken (and LLVM deletes it); when no merge crossed another root, the
        // fast copy is not.
        let choose = LLVMInsertBasicBlockInContext(ir.context, fast[0], "")!
        LLVMSetSuccessor(check, 0, choose)
        LLVMPositionBuilderAtEnd(builder, choose)
        let condition =
            result.merges == 0
            ? LLVMConstInt(ir.i1, 0, 0)!
            : apartCondition(result.apart, plan: plan, extended: extended, builder: builder)
        LLVMBuildCondBr(builder, condition, merged[0], fast[0])
    }

    /// Whether each pair's byte ranges, `[zext(root) + lowest, zext(root) + end)`, do not
    /// overlap (true for no pairs). In 64 bits no sum wraps.
    private func apartCondition(
        _ pairs: Set<AdjacentAccessMerging.DisjointRoots>, plan: Plan, extended: [LLVMValueRef: LLVMValueRef],
        builder: LLVMBuilderRef
    ) -> LLVMValueRef {
        var condition = LLVMConstInt(ir.i1, 1, 0)!
        // Each pair and the pairs in plan order (a pair's two roots are unordered), so the
        // same module compiles to the same code.
        let ordered = pairs.map { pair -> (Int, Int) in
            let a = plan.roots.firstIndex(of: pair.first)!, b = plan.roots.firstIndex(of: pair.second)!
            return (min(a, b), max(a, b))
        }.sorted { $0 < $1 }
        for (i, j) in ordered {
            func bound(_ root: LLVMValueRef, _ displacement: Int64) -> LLVMValueRef {
                LLVMBuildAdd(builder, extended[root]!, ir.constI64(UInt64(bitPattern: displacement)), "")!
            }
            let a = plan.roots[i], b = plan.roots[j]
            let p = plan.extents[a]!, q = plan.extents[b]!
            let below = LLVMBuildICmp(builder, LLVMIntSLE, bound(a, p.end), bound(b, q.lowest), "")!
            let above = LLVMBuildICmp(builder, LLVMIntSLE, bound(b, q.end), bound(a, p.lowest), "")!
            condition = LLVMBuildAnd(builder, condition, LLVMBuildOr(builder, below, above, "")!, "")!
        }
        return condition
    }

    /// The covered accesses of `chain`, whose roots are defined outside it, are phis of
    /// `head` (the chain's first block before the run is duplicated, the block holding
    /// its phis and the check after), or are computed in it from such values.
    private func plan(_ chain: [LLVMBasicBlockRef], head: LLVMBasicBlockRef) -> Plan {
        let members = Set(chain)
        var plan = Plan()
        for block in chain {
            var instruction = LLVMGetFirstInstruction(block)
            while let i = instruction {
                instruction = LLVMGetNextInstruction(i)
                guard let access = coveredAccess(i, head: head, members: members) else { continue }
                plan.covered.append(access.covered)
                let low = access.covered.displacement - access.offset
                let end = access.covered.displacement + access.size
                if var extent = plan.extents[access.covered.root] {
                    extent.lowest = min(extent.lowest, low)
                    extent.end = max(extent.end, end)
                    plan.extents[access.covered.root] = extent
                } else {
                    plan.extents[access.covered.root] = Extent(lowest: low, end: end)
                    plan.roots.append(access.covered.root)
                }
            }
        }
        return plan
    }

    /// Whether a trap the run branches to uses a value the run defines: the join block
    /// would not dominate that use.
    private func definesValuesUsedInTraps(_ chain: [LLVMBasicBlockRef]) -> Bool {
        let traps = Set(chain.flatMap { b in
            let t = LLVMGetBasicBlockTerminator(b)!
            return (0..<LLVMGetNumSuccessors(t)).map { LLVMGetSuccessor(t, $0)! }.filter(isTrap)
        })
        for block in chain {
            var instruction = LLVMGetFirstInstruction(block)
            while let i = instruction {
                instruction = LLVMGetNextInstruction(i)
                var use = LLVMGetFirstUse(i)
                while let u = use {
                    use = LLVMGetNextUse(u)
                    if traps.contains(LLVMGetInstructionParent(LLVMGetUser(u))!) { return true }
                }
            }
        }
        return false
    }

    /// Splits the run's first block after its phis (the head keeps them and will hold the
    /// check) and its last before its terminator (which moves to a new join block), and
    /// adds a copy of the blocks between. Returns the head and both copies' blocks.
    private func duplicate(_ chain: [LLVMBasicBlockRef], builder: LLVMBuilderRef) -> (
        head: LLVMBasicBlockRef, fast: [LLVMBasicBlockRef], slow: [LLVMBasicBlockRef],
        joinPhis: [(phi: LLVMValueRef, value: LLVMValueRef)]
    ) {
        let head = chain[0]
        var first = LLVMGetFirstInstruction(head)
        while let i = first, LLVMIsAPHINode(i) != nil { first = LLVMGetNextInstruction(i) }
        var fast = chain
        fast[0] = ControlFlow.split(head, before: first!, ir: ir)
        let last = fast[fast.count - 1]
        let join = ControlFlow.split(last, before: LLVMGetBasicBlockTerminator(last)!, ir: ir)
        LLVMPositionBuilderAtEnd(builder, last)
        LLVMBuildBr(builder, join)
        let joinPhis = routeLiveOutsThroughPhis(of: fast, join: join, builder: builder)
        let (slow, _) = copy(fast, after: last, joinPhis: joinPhis, builder: builder)
        return (head, fast, slow, joinPhis)
    }

    /// A copy of the run's blocks `run` placed after `after`, whose last block also reaches
    /// the join block: each of `joinPhis` gets the copy's value. Returns the copy's blocks
    /// and each original instruction's copy.
    private func copy(
        _ run: [LLVMBasicBlockRef], after: LLVMBasicBlockRef, joinPhis: [(phi: LLVMValueRef, value: LLVMValueRef)],
        builder: LLVMBuilderRef
    ) -> (blocks: [LLVMBasicBlockRef], copies: [LLVMValueRef: LLVMValueRef]) {
        let head = run[0]
        var copies: [LLVMValueRef: LLVMValueRef] = [:]
        var slow: [LLVMBasicBlockRef] = []
        var after = after
        for original in run {
            let block = LLVMAppendBasicBlockInContext(ir.context, LLVMGetBasicBlockParent(head), "")!
            LLVMMoveBasicBlockAfter(block, after)
            after = block
            slow.append(block)
            copies[LLVMBasicBlockAsValue(original)] = LLVMBasicBlockAsValue(block)
        }
        for (original, copy) in zip(run, slow) {
            LLVMPositionBuilderAtEnd(builder, copy)
            var instruction = LLVMGetFirstInstruction(original)
            while let i = instruction {
                instruction = LLVMGetNextInstruction(i)
                let clone: LLVMValueRef
                if LLVMIsAPHINode(i) != nil {
                    // A phi of a later block of the run: its one predecessor is copied too.
                    clone = LLVMBuildPhi(builder, LLVMTypeOf(i), "")!
                    for k in 0..<LLVMCountIncoming(i) {
                        var value: LLVMValueRef? = LLVMGetIncomingValue(i, k)
                        value = copies[value!] ?? value
                        var from: LLVMBasicBlockRef? = LLVMValueAsBasicBlock(
                            copies[LLVMBasicBlockAsValue(LLVMGetIncomingBlock(i, k))]!)
                        LLVMAddIncoming(clone, &value, &from, 1)
                    }
                } else {
                    // Operands defined in the run, and successors in it, name the copies.
                    clone = LLVMInstructionClone(i)!
                    for k in 0..<UInt32(max(0, LLVMGetNumOperands(clone))) {
                        if let operand = LLVMGetOperand(clone, k), let replacement = copies[operand] {
                            LLVMSetOperand(clone, k, replacement)
                        }
                    }
                    LLVMInsertIntoBuilder(builder, clone)
                }
                copies[i] = clone
            }
        }
        for (phi, value) in joinPhis {
            var incoming: LLVMValueRef? = copies[value] ?? value
            var from: LLVMBasicBlockRef? = slow[slow.count - 1]
            LLVMAddIncoming(phi, &incoming, &from, 1)
        }
        return (slow, copies)
    }

    /// Ends the head (where `builder` stands) with the check and a branch to the fast copy
    /// when it passes, to the cold slow one when not. Returns each root zero-extended, and
    /// the branch.
    private func buildCheck(
        _ plan: Plan, vmctx: LLVMValueRef, fast: [LLVMBasicBlockRef], slow: [LLVMBasicBlockRef],
        builder: LLVMBuilderRef
    ) -> (extended: [LLVMValueRef: LLVMValueRef], check: LLVMValueRef) {
        let length = translation.loadMemoryLength(vmctx: vmctx, in: builder)
        var extended: [LLVMValueRef: LLVMValueRef] = [:]
        var inBounds: LLVMValueRef?
        let members = Set(fast)
        var computed: [LLVMValueRef: LLVMValueRef] = [:]
        for root in plan.roots {
            let extent = plan.extents[root]!
            let atEntry = rootAtEntry(root, members: members, builder: builder, computed: &computed)
            let wide = LLVMBuildZExt(builder, atEntry, ir.i64, "")!
            extended[root] = wide
            // A negative end wraps only when the lower bound, checked too, fails.
            let end = LLVMBuildAdd(builder, wide, ir.constI64(UInt64(bitPattern: extent.end)), "")!
            var condition = LLVMBuildICmp(builder, LLVMIntULE, end, length, "")!
            if extent.lowest < 0 {
                let above = LLVMBuildICmp(builder, LLVMIntUGE, wide, ir.constI64(UInt64(-extent.lowest)), "")!
                condition = LLVMBuildAnd(builder, condition, above, "")!
            }
            inBounds = inBounds.map { LLVMBuildAnd(builder, $0, condition, "")! } ?? condition
        }
        let branch = LLVMBuildCondBr(builder, inBounds!, fast[0], slow[0])!
        ControlFlow.setWeights(branch, 1 << 20, 1, ir: ir)
        return (extended, branch)
    }

    /// Longest chain of instructions a root computed inside the run may take to compute
    /// again at its entry.
    private static let maximumRootDepth = 4

    /// `root`'s value at the run's entry (where `builder` stands): itself when defined
    /// outside the run or a phi of its head, else the same computation again there.
    private func rootAtEntry(
        _ root: LLVMValueRef, members: Set<LLVMBasicBlockRef>, builder: LLVMBuilderRef,
        computed: inout [LLVMValueRef: LLVMValueRef]
    ) -> LLVMValueRef {
        guard LLVMIsAInstruction(root) != nil, LLVMIsAPHINode(root) == nil,
            let parent = LLVMGetInstructionParent(root), members.contains(parent)
        else { return root }
        if let value = computed[root] { return value }
        let clone = LLVMInstructionClone(root)!
        for k in 0..<UInt32(LLVMGetNumOperands(root)) {
            let operand = rootAtEntry(LLVMGetOperand(root, k)!, members: members, builder: builder, computed: &computed)
            LLVMSetOperand(clone, k, operand)
        }
        // Without flags that could make it poison where the original was not used.
        switch LLVMGetInstructionOpcode(root) {
        case LLVMAdd, LLVMSub, LLVMMul, LLVMShl:
            LLVMSetNUW(clone, 0)
            LLVMSetNSW(clone, 0)
        case LLVMLShr: LLVMSetExact(clone, 0)
        case LLVMOr: LLVMSetIsDisjoint(clone, 0)
        default: break
        }
        LLVMInsertIntoBuilder(builder, clone)
        computed[root] = clone
        return clone
    }

    /// Whether `value`, defined in the run, is pure 32-bit arithmetic that cannot be poison
    /// (wrapping adds, subtractions and multiplications, bitwise operations, shifts by a
    /// constant below 32) on values available at the run's entry, at most `depth` deep.
    private func computableAtEntry(_ value: LLVMValueRef, head: LLVMBasicBlockRef, members: Set<LLVMBasicBlockRef>,
                                   depth: Int) -> Bool
    {
        guard LLVMIsAInstruction(value) != nil, let parent = LLVMGetInstructionParent(value), members.contains(parent),
            parent != head || LLVMIsAPHINode(value) == nil
        else { return true }
        guard depth > 0, LLVMTypeOf(value) == ir.i32 else { return false }
        switch LLVMGetInstructionOpcode(value) {
        case LLVMAdd, LLVMSub, LLVMMul, LLVMAnd, LLVMOr, LLVMXor, LLVMShl, LLVMLShr: break
        default: return false
        }
        let lhs = LLVMGetOperand(value, 0)!, rhs = LLVMGetOperand(value, 1)!
        if LLVMGetInstructionOpcode(value) == LLVMShl || LLVMGetInstructionOpcode(value) == LLVMLShr {
            guard LLVMIsAConstantInt(rhs) != nil, LLVMConstIntGetZExtValue(rhs) < 32 else { return false }
        }
        return computableAtEntry(lhs, head: head, members: members, depth: depth - 1)
            && computableAtEntry(rhs, head: head, members: members, depth: depth - 1)
    }

    /// `instruction` as a covered access of a run of blocks: a guarded (volatile) heap
    /// load or store addressed `base + zext(root + k) + offset`, where `root` is a
    /// function parameter, defined outside the run, or a phi of its first block.
    private func coveredAccess(_ instruction: LLVMValueRef, head: LLVMBasicBlockRef, members: Set<LLVMBasicBlockRef>)
        -> (covered: Covered, offset: Int64, size: Int64)?
    {
        let isLoad = LLVMIsALoadInst(instruction) != nil
        guard isLoad || LLVMIsAStoreInst(instruction) != nil, LLVMGetVolatile(instruction) != 0,
            LLVMGetMetadata(instruction, ir.tbaaKind) == ir.heapAccess,
            let next = LLVMGetNextInstruction(instruction), isFaultPoint(next)
        else { return nil }
        let pointer = LLVMGetOperand(instruction, isLoad ? 0 : 1)!
        guard LLVMIsAGetElementPtrInst(pointer) != nil, LLVMGetNumOperands(pointer) == 2,
            LLVMGetGEPSourceElementType(pointer) == ir.i8
        else { return nil }
        var index = LLVMGetOperand(pointer, 1)!
        var offset: Int64 = 0
        if let (rest, constant) = addition(index, of: ir.i64) {
            guard constant >= 0, constant <= UInt32.max else { return nil }
            offset = Int64(constant)
            index = rest
        }
        guard LLVMIsAZExtInst(index) != nil, let narrow = LLVMGetOperand(index, 0), LLVMTypeOf(narrow) == ir.i32
        else { return nil }
        var root = narrow
        var k: UInt32 = 0
        while let (rest, constant) = addition(root, of: ir.i32) {
            k &+= UInt32(truncatingIfNeeded: constant)
            root = rest
        }
        guard LLVMIsAConstant(root) == nil,
            computableAtEntry(root, head: head, members: members, depth: Self.maximumRootDepth)
        else { return nil }
        let type = isLoad ? LLVMTypeOf(instruction)! : LLVMTypeOf(LLVMGetOperand(instruction, 0))!
        let size = Int64(LLVMStoreSizeOfType(translation.targetData, type))
        let displacement = Int64(Int32(bitPattern: k)) + offset
        return (Covered(access: instruction, root: root, displacement: displacement, size: size), offset, size)
    }

    /// `value` as `rest + constant` (an `add` with a constant operand, or a `sub` of one)
    /// of integer type `type`; the constant as its low 64 bits, two's complement.
    private func addition(_ value: LLVMValueRef, of type: LLVMTypeRef) -> (LLVMValueRef, Int64)? {
        guard LLVMTypeOf(value) == type, LLVMIsABinaryOperator(value) != nil else { return nil }
        let opcode = LLVMGetInstructionOpcode(value)
        let lhs = LLVMGetOperand(value, 0)!, rhs = LLVMGetOperand(value, 1)!
        func constant(_ v: LLVMValueRef) -> Int64? {
            LLVMIsAConstantInt(v) != nil ? LLVMConstIntGetSExtValue(v) : nil
        }
        switch opcode {
        case LLVMAdd:
            if let c = constant(rhs) { return (lhs, c) }
            if let c = constant(lhs) { return (rhs, c) }
        case LLVMSub:
            if let c = constant(rhs) { return (lhs, 0 &- c) }
        default: break
        }
        return nil
    }

    /// The empty `asm sideeffect` that follows a guarded access
    /// (``FunctionTranslator/faultPoint()``): before optimization, the only inline
    /// assembly without a result.
    private func isFaultPoint(_ instruction: LLVMValueRef) -> Bool {
        guard LLVMIsACallInst(instruction) != nil, let callee = LLVMGetCalledValue(instruction) else { return false }
        return LLVMIsAInlineAsm(callee) != nil && LLVMTypeOf(instruction) == ir.void
    }

    /// Gives every value the run `blocks` defines and a later block uses a phi in `join`
    /// (whose only predecessor is the run's last block so far) and makes those uses use
    /// it: once a second copy of the run also reaches `join`, the phi picks the value of
    /// the copy that ran. Returns each phi with the value it stands for.
    private func routeLiveOutsThroughPhis(
        of blocks: [LLVMBasicBlockRef], join: LLVMBasicBlockRef, builder: LLVMBuilderRef
    ) -> [(phi: LLVMValueRef, value: LLVMValueRef)] {
        let members = Set(blocks)
        var result: [(LLVMValueRef, LLVMValueRef)] = []
        for block in blocks {
            var instruction = LLVMGetFirstInstruction(block)
            while let i = instruction {
                instruction = LLVMGetNextInstruction(i)
                var outside: [LLVMValueRef] = []
                var use = LLVMGetFirstUse(i)
                while let u = use {
                    use = LLVMGetNextUse(u)
                    let user = LLVMGetUser(u)!
                    if !members.contains(LLVMGetInstructionParent(user)), !outside.contains(user) { outside.append(user) }
                }
                guard !outside.isEmpty else { continue }
                if let firstInJoin = LLVMGetFirstInstruction(join) {
                    LLVMPositionBuilderBefore(builder, firstInJoin)
                } else {
                    LLVMPositionBuilderAtEnd(builder, join)
                }
                let phi = LLVMBuildPhi(builder, LLVMTypeOf(i), "")!
                var value: LLVMValueRef? = i
                var from: LLVMBasicBlockRef? = blocks[blocks.count - 1]
                LLVMAddIncoming(phi, &value, &from, 1)
                for user in outside {
                    for k in 0..<UInt32(LLVMGetNumOperands(user)) where LLVMGetOperand(user, k) == i {
                        LLVMSetOperand(user, k, phi)
                    }
                }
                result.append((phi, i))
            }
        }
        return result
    }
}
