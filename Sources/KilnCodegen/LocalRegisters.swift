import KilnABI
import WasmParser
import WasmTypes

/// How often each local of one function is used, weighted by loop depth, and whether
/// the function makes calls: what ``LocalRegisters`` decides by. A quick pass over the
/// body before the single pass proper (the decoder runs twice; nothing is allocated per
/// instruction).
@usableFromInline struct LocalUsageScan: InstructionVisitor {
    @usableFromInline typealias VisitorError = CompileError
    /// Per local: sum over its `local.get`/`set`/`tee` of 8^(loop depth, at most 4).
    @usableFromInline var weights: [Int]
    /// One entry per open block: whether it is a loop.
    @usableFromInline var blockIsLoop: [Bool] = []
    @usableFromInline var loopDepth = 0
    /// Any call, indirect call or call-like operator (builtins are C calls).
    @usableFromInline var makesCalls = false
    /// Calls (and call-like operators), weighted as local uses are.
    @usableFromInline var callWeight = 0
    /// Loads and stores, weighted as local uses are.
    @usableFromInline var memoryWeight = 0
    public var binaryOffset: Int = 0

    @inlinable init(localCount: Int) {
        weights = Array(repeating: 0, count: localCount)
        blockIsLoop.reserveCapacity(16)
    }

    /// Scans `body`. A body that does not decode scans as far as it does; the single
    /// pass then reports the error at its offset.
    @inlinable static func scan(_ body: Code, localCount: Int) -> LocalUsageScan {
        var scan = LocalUsageScan(localCount: localCount)
        var parser = ExpressionParser(code: body)
        while let visit = try? parser.parse() {
            do { try visit(visitor: &scan) } catch { break }
        }
        return scan
    }

    @inlinable var weight: Int { 1 << (3 * min(loopDepth, 4)) }

    @inlinable mutating func use(_ index: UInt32) {
        let i = Int(index)
        guard i < weights.count else { return }
        weights[i] &+= weight
    }

    @inlinable mutating func visit(_ instruction: Instruction) throws(CompileError) {}
    @inlinable mutating func visitLocalGet(localIndex: UInt32) throws(CompileError) { use(localIndex) }
    @inlinable mutating func visitLocalSet(localIndex: UInt32) throws(CompileError) { use(localIndex) }
    @inlinable mutating func visitLocalTee(localIndex: UInt32) throws(CompileError) { use(localIndex) }
    @inlinable mutating func visitBlock(blockType: BlockType) throws(CompileError) { blockIsLoop.append(false) }
    @inlinable mutating func visitIf(blockType: BlockType) throws(CompileError) { blockIsLoop.append(false) }
    @inlinable mutating func visitLoop(blockType: BlockType) throws(CompileError) {
        blockIsLoop.append(true)
        loopDepth += 1
    }
    @inlinable mutating func visitEnd() throws(CompileError) {
        if let wasLoop = blockIsLoop.popLast(), wasLoop { loopDepth -= 1 }
    }
    @inlinable mutating func called() {
        makesCalls = true
        callWeight &+= weight
    }

    @inlinable mutating func visitLoad(_ load: Instruction.Load, memarg: MemArg) throws(CompileError) {
        memoryWeight &+= weight
    }
    @inlinable mutating func visitStore(_ store: Instruction.Store, memarg: MemArg) throws(CompileError) {
        memoryWeight &+= weight
    }
    @inlinable mutating func visitCall(functionIndex: UInt32) throws(CompileError) { called() }
    @inlinable mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws(CompileError) {
        called()
    }
    @inlinable mutating func visitReturnCall(functionIndex: UInt32) throws(CompileError) { called() }
    @inlinable mutating func visitReturnCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws(CompileError) {
        called()
    }
    @inlinable mutating func visitMemoryGrow(memory: UInt32) throws(CompileError) { called() }
    @inlinable mutating func visitMemoryFill(memory: UInt32) throws(CompileError) { called() }
    @inlinable mutating func visitMemoryCopy(dstMem: UInt32, srcMem: UInt32) throws(CompileError) { called() }
}

/// Which locals of a function live in registers for the whole function (the rest stay
/// in frame slots), chosen from the loop-weighted use counts: the heaviest integer
/// locals get the callee-saved registers (or, in a function that makes no calls, the
/// caller-saved ones first, which cost nothing to keep), the heaviest float locals the
/// ``CallingConvention/localFPRs``. A local pinned to a register is read and written
/// there on every path, so merge points need no moves for it.
@usableFromInline struct LocalRegisters: Sendable {
    /// Per local: its register, if it has one.
    @usableFromInline var register: [Reg?]
    /// Callee-saved registers used, in frame-slot order (saved in the prologue).
    @usableFromInline var calleeSaved: [Reg] = []
    /// Locals in caller-saved registers: saved to their slots around every call.
    @usableFromInline var callerSaved: [(local: Int, reg: Reg)] = []
    /// Caller-saved registers taken from the value stack's set.
    @usableFromInline var taken = RegSet()
    /// The callee-saved register holding linear memory 0's base for the whole function,
    /// when it accesses memory often enough (the base never moves, docs/runtime.md).
    @usableFromInline var memoryBase: Reg?

    /// Uses below this weight keep a local in its slot (one use outside loops does not
    /// pay for a save and restore of a callee-saved register).
    @usableFromInline static var minimumWeight: Int { 2 }
    /// Memory accesses below this weight reload the base from the vmctx each time (about
    /// two accesses in a loop pay for the prologue's save, load and restore).
    @usableFromInline static var minimumMemoryWeight: Int { 16 }

    /// Whether a local of this weight gains from a caller-saved register, which costs a
    /// store and a load around every call the function makes (a slot costs about one
    /// memory access per use).
    @inlinable static func paysAcrossCalls(_ weight: Int, _ usage: LocalUsageScan) -> Bool {
        weight > 2 * usage.callWeight
    }

    @inlinable init<ABI: CallingConvention>(
        _ abi: ABI.Type, kinds: [ValueKind], usage: LocalUsageScan, ownParameters: [ArgLocation]
    ) {
        register = Array(repeating: nil, count: kinds.count)
        // Registers this function receives arguments in cannot hold a local: the prologue
        // would overwrite an argument not yet moved.
        var incoming = RegSet()
        for case .reg(let r) in ownParameters { incoming.insert(r) }
        let callerSavedGPRs = ABI.callerSavedLocalGPRs.filter { !incoming.contains($0) }
        var calleeSavedGPRs = ABI.calleeSavedLocalGPRs
        if usage.memoryWeight >= Self.minimumMemoryWeight, let r = calleeSavedGPRs.popLast() {
            memoryBase = r
            calleeSaved.append(r)
        }
        let gprs =
            usage.makesCalls
            ? calleeSavedGPRs + callerSavedGPRs : callerSavedGPRs + calleeSavedGPRs
        let fprs = ABI.localFPRs.filter { !incoming.contains($0) }
        var order = Array(0..<kinds.count).filter { usage.weights[$0] >= Self.minimumWeight }
        order.sort { usage.weights[$0] != usage.weights[$1] ? usage.weights[$0] > usage.weights[$1] : $0 < $1 }
        var nextGPR = 0, nextFPR = 0
        let calleeSavedSet = RegSet(ABI.calleeSavedLocalGPRs)
        for i in order {
            let r: Reg
            if kinds[i].isIntegerClass {
                guard nextGPR < gprs.count else { continue }
                if !calleeSavedSet.contains(gprs[nextGPR]) && !Self.paysAcrossCalls(usage.weights[i], usage) { continue }
                r = gprs[nextGPR]
                nextGPR += 1
            } else {
                guard nextFPR < fprs.count, Self.paysAcrossCalls(usage.weights[i], usage) else { continue }
                r = fprs[nextFPR]
                nextFPR += 1
            }
            register[i] = r
            if calleeSavedSet.contains(r) {
                calleeSaved.append(r)
            } else {
                callerSaved.append((i, r))
                taken.insert(r)
            }
        }
    }
}
