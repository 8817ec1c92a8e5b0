import WasmParser
import WasmTypes

/// What the validator learned about one defined function's body while walking it, kept
/// for the code generator so it need not decode the body an extra time: how often each
/// local is used, weighted by loop depth, and how much the function calls and touches
/// memory (the code generator picks the locals it keeps in registers from these).
///
/// Every instruction of the body counts, reachable or not. Weighting: an instruction
/// inside `n` enclosing `loop` blocks counts ``weight(loopDepth:)`` = 8^min(n, 4).
public struct FunctionUsage: Sendable, Equatable {
    /// Per local (parameters first): the weighted count of its `local.get`, `local.set`
    /// and `local.tee`.
    public var localWeights: [Int]
    /// Whether the body has any call or call-like operator: `call`, `call_indirect`,
    /// `return_call*`, `call_ref`, and every operator the code generator lowers as a C
    /// call (`memory.grow`/`fill`/`copy`/`init`, `data.drop`, the table operators but
    /// `table.size`, `elem.drop`, `ref.func`). A function without any is a leaf: the code
    /// generator may leave out its stack check (docs/abi.md).
    public var makesCalls = false
    /// Those operators, weighted.
    public var callWeight = 0
    /// Loads and stores, weighted.
    public var memoryWeight = 0
    /// Whether a load or store sits inside a loop.
    public var accessesMemoryInLoops = false
    /// Whether the body has a tail call (`return_call`, `return_call_indirect`,
    /// `return_call_ref`).
    public var makesTailCalls = false
    /// The functions it names in `return_call`, and in
    /// `ref.func` (which validation limits to functions declared elsewhere, kept here so
    /// a caller need not trust that): the code generator must reach these through the
    /// shared calling convention (``InternalFunctions``).
    public var tailCallees: [UInt32] = []
    public var referencedFunctions: [UInt32] = []

    public init(
        localWeights: [Int], makesCalls: Bool = false, callWeight: Int = 0, memoryWeight: Int = 0,
        makesTailCalls: Bool = false, tailCallees: [UInt32] = [], referencedFunctions: [UInt32] = []
    ) {
        self.localWeights = localWeights
        self.makesCalls = makesCalls
        self.callWeight = callWeight
        self.memoryWeight = memoryWeight
        self.makesTailCalls = makesTailCalls
        self.tailCallees = tailCallees
        self.referencedFunctions = referencedFunctions
    }

    /// What one instruction inside `loopDepth` enclosing loops counts for: 8 per loop,
    /// capped at four loops (a guess at how often a loop runs, kept small enough that the
    /// sums of a large function cannot overflow in practice; they wrap if they do).
    @inlinable public static func weight(loopDepth: Int) -> Int { 1 << (3 * min(loopDepth, 4)) }
}

/// Counts ``FunctionUsage`` for one body at a time. The validator feeds it every
/// instruction it decodes, also in bodies whose validation stopped at an unsupported
/// feature. One counter serves a whole module: its block stack is reused, so the only
/// allocation per function is the weights array.
struct FunctionUsageCounter: InstructionVisitor, ~Copyable {
    typealias VisitorError = Never
    var binaryOffset: Int = 0
    var usage = FunctionUsage(localWeights: [])
    /// One entry per open block, loop, if or try_table: whether it is a loop.
    private var blockIsLoop: [Bool] = []
    private var loopDepth = 0
    private var weight = 1

    init() { blockIsLoop.reserveCapacity(16) }

    /// Starts counting a body with `localCount` locals (parameters included).
    mutating func start(localCount: Int) {
        usage = FunctionUsage(localWeights: [Int](repeating: 0, count: localCount))
        blockIsLoop.removeAll(keepingCapacity: true)
        loopDepth = 0
        weight = FunctionUsage.weight(loopDepth: 0)
    }

    private mutating func use(_ index: UInt32) {
        let i = Int(index)
        guard i < usage.localWeights.count else { return }
        usage.localWeights[i] &+= weight
    }

    private mutating func called() {
        usage.makesCalls = true
        usage.callWeight &+= weight
    }

    private mutating func enter(isLoop: Bool) {
        blockIsLoop.append(isLoop)
        if isLoop {
            loopDepth += 1
            weight = FunctionUsage.weight(loopDepth: loopDepth)
        }
    }

    mutating func visitBlock(blockType: BlockType) { enter(isLoop: false) }
    mutating func visitIf(blockType: BlockType) { enter(isLoop: false) }
    mutating func visitTryTable(blockType: BlockType, tryCatch: TryCatch) { enter(isLoop: false) }
    mutating func visitLoop(blockType: BlockType) { enter(isLoop: true) }
    // `else` continues its `if` frame; the function's own `end` finds no open block.
    mutating func visitEnd() {
        if let wasLoop = blockIsLoop.popLast(), wasLoop {
            loopDepth -= 1
            weight = FunctionUsage.weight(loopDepth: loopDepth)
        }
    }

    mutating func visitLocalGet(localIndex: UInt32) { use(localIndex) }
    mutating func visitLocalSet(localIndex: UInt32) { use(localIndex) }
    mutating func visitLocalTee(localIndex: UInt32) { use(localIndex) }

    mutating func visitLoad(_ load: Instruction.Load, memarg: MemArg) { accessedMemory() }
    mutating func visitStore(_ store: Instruction.Store, memarg: MemArg) { accessedMemory() }

    private mutating func accessedMemory() {
        usage.memoryWeight &+= weight
        if loopDepth > 0 { usage.accessesMemoryInLoops = true }
    }

    mutating func visitCall(functionIndex: UInt32) { called() }
    mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) { called() }
    mutating func visitReturnCall(functionIndex: UInt32) {
        called()
        usage.makesTailCalls = true
        usage.tailCallees.append(functionIndex)
    }
    mutating func visitReturnCallIndirect(typeIndex: UInt32, tableIndex: UInt32) {
        called()
        usage.makesTailCalls = true
    }
    mutating func visitMemoryGrow(memory: UInt32) { called() }
    mutating func visitMemoryFill(memory: UInt32) { called() }
    mutating func visitMemoryCopy(dstMem: UInt32, srcMem: UInt32) { called() }
    // Every other operator the code generator lowers to a builtin (a C call) or a call.
    mutating func visitCallRef(typeIndex: UInt32) { called() }
    mutating func visitReturnCallRef(typeIndex: UInt32) {
        called()
        usage.makesTailCalls = true
    }
    mutating func visitRefFunc(functionIndex: UInt32) {
        called()
        usage.referencedFunctions.append(functionIndex)
    }
    mutating func visitMemoryInit(dataIndex: UInt32, memory: UInt32) { called() }
    mutating func visitDataDrop(dataIndex: UInt32) { called() }
    mutating func visitTableInit(elemIndex: UInt32, table: UInt32) { called() }
    mutating func visitElemDrop(elemIndex: UInt32) { called() }
    mutating func visitTableCopy(dstTable: UInt32, srcTable: UInt32) { called() }
    mutating func visitTableFill(table: UInt32) { called() }
    mutating func visitTableGet(table: UInt32) { called() }
    mutating func visitTableSet(table: UInt32) { called() }
    mutating func visitTableGrow(table: UInt32) { called() }
}
