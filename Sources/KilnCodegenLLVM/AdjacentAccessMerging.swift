import CLLVM

/// Merges a versioned run's fast-copy accesses of one root at consecutive bytes into one
/// access as wide as them all: the byte-by-byte copies and swaps clang emits for wasm
/// (quicksort's `swap_bytes` of 4-byte elements) become one 32-bit load and store per
/// side, as native code has them (docs/codegen.md, "Merged byte accesses").
///
/// LLVM's code generator merges such accesses only when it can prove the other side's
/// accesses in between touch other bytes, and two addresses `zext(a)`, `zext(b)` of
/// unrelated 32-bit values tell it nothing. Kiln knows more: a covered access lies at a
/// fixed displacement from its root for the whole run, so accesses of one root are
/// ordered by displacement alone, and those of two roots are apart whenever the roots'
/// byte ranges are, which a test before the merged copy can make (``DisjointRoots``).
///
/// A group is 2, 4 or 8 bytes of loads (or of stores) of one integer size in one block,
/// at consecutive displacements. The loads become one load at the first of them; the
/// stores one store at the last. In between may lie only instructions without memory
/// effects, accesses of the same root to other bytes, and covered accesses of other
/// roots (then the merged copy runs only when the two roots' ranges are disjoint). Nothing
/// that can trap or call is crossed, so trap order and every byte a host sees are kept.
struct AdjacentAccessMerging {
    let ir: IRContext

    /// A covered access of the fast copy, already ordinary.
    struct Access {
        let instruction: LLVMValueRef
        let root: LLVMValueRef
        /// Bytes from `zext(root)` to the first byte accessed.
        let displacement: Int64
        let size: Int64
        let isLoad: Bool
    }

    /// Two roots, in no particular order, whose byte ranges must be disjoint for the
    /// merged copy to run.
    struct DisjointRoots: Hashable {
        let first: LLVMValueRef
        let second: LLVMValueRef
        init(_ a: LLVMValueRef, _ b: LLVMValueRef) {
            (first, second) = UInt(bitPattern: a) < UInt(bitPattern: b) ? (a, b) : (b, a)
        }
    }

    /// What ``run(blocks:accesses:extended:maximumRoots:)`` did.
    struct Result {
        /// Groups merged.
        var merges = 0
        /// The root pairs the merges rely on being apart.
        var apart = Set<DisjointRoots>()
    }

    /// Whether `blocks` hold a group of `accesses` that might merge: the cheap test before
    /// a copy of the run is made for ``run(blocks:accesses:extended:maximumRoots:)``.
    func mayMerge(_ accesses: [Access], in blocks: [LLVMBasicBlockRef]) -> Bool {
        let byInstruction = Dictionary(accesses.map { ($0.instruction, $0) }, uniquingKeysWith: { a, _ in a })
        return blocks.contains { block in
            let inBlock = instructions(of: block).compactMap { byInstruction[$0] }
            return !groups(of: inBlock.filter(\.isLoad)).isEmpty || !groups(of: inBlock.filter { !$0.isLoad }).isEmpty
        }
    }

    /// Merges what it can in `blocks` (a copy of the run with ordinary accesses), where
    /// `extended[root]` is the root zero-extended at the run's entry. With more than
    /// `maximumRoots` roots, accesses of other roots are barriers (the check would grow
    /// with their square).
    func run(blocks: [LLVMBasicBlockRef], accesses: [Access], extended: [LLVMValueRef: LLVMValueRef],
             maximumRoots: Int = 4) -> Result
    {
        var byInstruction = Dictionary(accesses.map { ($0.instruction, $0) }, uniquingKeysWith: { a, _ in a })
        let allowOtherRoots = Set(accesses.map { UInt(bitPattern: $0.root) }).count <= maximumRoots
        var result = Result()
        for block in blocks {
            // Loads first, then stores, each against the block as it then is.
            for isLoad in [true, false] {
                let candidates = instructions(of: block).compactMap { byInstruction[$0] }.filter { $0.isLoad == isLoad }
                for group in groups(of: candidates) {
                    guard let crossed = crossedRoots(group, order: instructions(of: block), byInstruction: byInstruction),
                        allowOtherRoots || crossed.isEmpty
                    else { continue }
                    let merged = isLoad
                        ? mergeLoads(group, extended: extended[group[0].root]!)
                        : mergeStores(group, extended: extended[group[0].root]!)
                    for member in group { byInstruction[member.instruction] = nil }
                    byInstruction[merged.instruction] = merged
                    result.merges += 1
                    for other in crossed { result.apart.insert(DisjointRoots(group[0].root, other)) }
                }
            }
        }
        return result
    }

    private func instructions(of block: LLVMBasicBlockRef) -> [LLVMValueRef] {
        var result: [LLVMValueRef] = []
        var instruction = LLVMGetFirstInstruction(block)
        while let i = instruction {
            result.append(i)
            instruction = LLVMGetNextInstruction(i)
        }
        return result
    }

    /// Candidate groups: per root and access size, maximal runs of consecutive
    /// displacements cut into pieces of 8, 4 or 2 bytes (largest first), each in program
    /// order.
    private func groups(of accesses: [Access]) -> [[Access]] {
        var result: [[Access]] = []
        var keys: [String: [Access]] = [:]
        var keyOrder: [String] = []
        for a in accesses where [1, 2, 4].contains(a.size) && isInteger(a) {
            let key = "\(UInt(bitPattern: a.root)):\(a.size)"
            if keys[key] == nil { keyOrder.append(key) }
            keys[key, default: []].append(a)
        }
        let position = Dictionary(
            accesses.enumerated().map { (UInt(bitPattern: $1.instruction), $0) }, uniquingKeysWith: { a, _ in a })
        for key in keyOrder {
            let all = keys[key]!
            // One access per displacement: a repeated one (a byte loaded twice) is left alone.
            let displacements = all.map(\.displacement)
            guard Set(displacements).count == displacements.count else { continue }
            let sorted = all.sorted { $0.displacement < $1.displacement }
            let size = sorted[0].size
            var start = 0
            while start < sorted.count {
                var end = start + 1
                while end < sorted.count, sorted[end].displacement == sorted[end - 1].displacement + size { end += 1 }
                var piece = start
                while piece < end {
                    let count = [8, 4, 2].map { Int($0 / size) }.first { $0 >= 2 && piece + $0 <= end }
                    guard let count else { break }
                    let group = Array(sorted[piece..<(piece + count)])
                    result.append(group.sorted { position[UInt(bitPattern: $0.instruction)]! < position[UInt(bitPattern: $1.instruction)]! })
                    piece += count
                }
                start = end
            }
        }
        return result
    }

    private func isInteger(_ a: Access) -> Bool {
        let type = a.isLoad ? LLVMTypeOf(a.instruction)! : LLVMTypeOf(LLVMGetOperand(a.instruction, 0))!
        return LLVMGetTypeKind(type) == LLVMIntegerTypeKind
    }

    /// Whether the group can move together: loads up to the first of them, stores down to
    /// the last. Returns the other roots whose accesses they cross, or nil when something
    /// else is in the way.
    private func crossedRoots(_ group: [Access], order: [LLVMValueRef], byInstruction: [LLVMValueRef: Access])
        -> Set<LLVMValueRef>?
    {
        let index = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let isLoad = group[0].isLoad
        let target = isLoad ? index[group[0].instruction]! : index[group[group.count - 1].instruction]!
        var crossed = Set<LLVMValueRef>()
        for member in group {
            let at = index[member.instruction]!
            let (from, to) = isLoad ? (target + 1, at) : (at + 1, target)
            for i in stride(from: from, to: to, by: 1) {
                let other = order[i]
                if let access = byInstruction[other] {
                    if access.root != member.root {
                        // Loads pass loads of any bytes; past a store, the roots must be apart.
                        if !(isLoad && access.isLoad) { crossed.insert(access.root) }
                    } else if group.contains(where: { $0.instruction == other }) {
                        continue
                    } else if overlaps(access, member), !(isLoad && access.isLoad) {
                        // A load may pass loads of its bytes, nothing may pass a write of them,
                        // and a store may pass no access of its bytes.
                        return nil
                    }
                } else if touchesMemoryOrControl(other) {
                    return nil
                }
            }
        }
        return crossed
    }

    private func overlaps(_ a: Access, _ b: Access) -> Bool {
        a.displacement < b.displacement + b.size && b.displacement < a.displacement + a.size
    }

    /// An instruction that may read or write memory, trap, call or not return: anything
    /// but arithmetic, comparisons, casts, address computations, selects and loads of
    /// what never changes (`!invariant.load`: the memory base in the vmctx).
    private func touchesMemoryOrControl(_ instruction: LLVMValueRef) -> Bool {
        switch LLVMGetInstructionOpcode(instruction) {
        case LLVMLoad:
            return LLVMGetVolatile(instruction) != 0 || LLVMGetMetadata(instruction, ir.invariantKind) == nil
        case LLVMAdd, LLVMSub, LLVMMul, LLVMShl, LLVMLShr, LLVMAShr, LLVMAnd, LLVMOr, LLVMXor,
            LLVMFAdd, LLVMFSub, LLVMFMul, LLVMFDiv, LLVMFNeg, LLVMICmp, LLVMFCmp, LLVMSelect,
            LLVMTrunc, LLVMZExt, LLVMSExt, LLVMFPTrunc, LLVMFPExt, LLVMBitCast, LLVMPtrToInt, LLVMIntToPtr,
            LLVMGetElementPtr, LLVMPHI, LLVMExtractValue, LLVMInsertValue, LLVMFreeze:
            return false
        default:
            return true
        }
    }

    /// The address `zext(root) + displacement` of linear memory, on the base `member`'s
    /// own address uses (``GuardedBlockVersioning/coveredAddress``).
    private func address(of member: Access, displacement: Int64, extended: LLVMValueRef, builder: LLVMBuilderRef)
        -> LLVMValueRef
    {
        let pointer = LLVMGetOperand(member.instruction, member.isLoad ? 0 : 1)!
        return GuardedBlockVersioning.coveredAddress(
            base: LLVMGetOperand(pointer, 0)!, extended: extended, displacement: displacement, ir: ir, builder: builder)
    }

    private func wideType(bytes: Int64) -> LLVMTypeRef {
        LLVMIntTypeInContext(ir.context, UInt32(8 * bytes))!
    }

    /// One load at the first member's place; each member's value is its bytes of it.
    private func mergeLoads(_ group: [Access], extended: LLVMValueRef) -> Access {
        let builder = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(builder) }
        let first = group[0]
        let lowest = group.map(\.displacement).min()!
        let bytes = Int64(group.count) * first.size
        LLVMPositionBuilderBefore(builder, first.instruction)
        let wide = LLVMBuildLoad2(
            builder, wideType(bytes: bytes), address(of: first, displacement: lowest, extended: extended, builder: builder), "")!
        LLVMSetAlignment(wide, 1)
        LLVMSetMetadata(wide, ir.tbaaKind, ir.heapAccess)
        for member in group {
            let shift = LLVMConstInt(LLVMTypeOf(wide), UInt64(8 * (member.displacement - lowest)), 0)
            let shifted = LLVMBuildLShr(builder, wide, shift, "")!
            let value = LLVMBuildTrunc(builder, shifted, LLVMTypeOf(member.instruction), "")!
            LLVMReplaceAllUsesWith(member.instruction, value)
        }
        for member in group { LLVMInstructionEraseFromParent(member.instruction) }
        return Access(instruction: wide, root: first.root, displacement: lowest, size: bytes, isLoad: true)
    }

    /// One store at the last member's place of all members' values, each at its bytes.
    private func mergeStores(_ group: [Access], extended: LLVMValueRef) -> Access {
        let builder = LLVMCreateBuilderInContext(ir.context)!
        defer { LLVMDisposeBuilder(builder) }
        let last = group[group.count - 1]
        let lowest = group.map(\.displacement).min()!
        let bytes = Int64(group.count) * last.size
        let type = wideType(bytes: bytes)
        LLVMPositionBuilderBefore(builder, last.instruction)
        var combined: LLVMValueRef = LLVMConstInt(type, 0, 0)
        for member in group {
            let value = LLVMBuildZExt(builder, LLVMGetOperand(member.instruction, 0), type, "")!
            let shift = LLVMConstInt(type, UInt64(8 * (member.displacement - lowest)), 0)
            combined = LLVMBuildOr(builder, combined, LLVMBuildShl(builder, value, shift, "")!, "")!
        }
        let store = LLVMBuildStore(builder, combined, address(of: last, displacement: lowest, extended: extended, builder: builder))!
        LLVMSetAlignment(store, 1)
        LLVMSetMetadata(store, ir.tbaaKind, ir.heapAccess)
        for member in group { LLVMInstructionEraseFromParent(member.instruction) }
        return Access(instruction: store, root: last.root, displacement: lowest, size: bytes, isLoad: false)
    }
}
