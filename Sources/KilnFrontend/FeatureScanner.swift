import WasmParser
import WasmTypes

/// Records which post-MVP features a body's instructions use. It sees every instruction,
/// also in bodies the validator stops checking, so `WasmModule.usedFeatures` comes from
/// the module itself and never from an error.
struct FeatureScanner: InstructionVisitor, ~Copyable {
    typealias VisitorError = Never
    var binaryOffset: Int = 0
    var features: Set<WasmFeature> = []

    mutating func note(_ feature: WasmFeature) { features.insert(feature) }

    mutating func note(_ type: ValueType) { FeatureScanner.noteFeatures(of: type, into: &features) }

    mutating func note(memory index: UInt32) { if index != 0 { note(.multiMemory) } }

    /// The features a value type needs.
    static func noteFeatures(of type: ValueType, into features: inout Set<WasmFeature>) {
        switch type {
        case .i32, .i64, .f32, .f64: break
        case .v128: features.insert(.simd)
        case .ref(let r):
            features.insert(.referenceTypes)
            switch r.heapType {
            case .abstract(.funcRef), .abstract(.externRef):
                if !r.isNullable { features.insert(.functionReferences) }
            case .abstract(.exnRef), .abstract(.noExn): features.insert(.exceptionHandling)
            case .abstract(.noFunc), .abstract(.noExtern): features.insert(.functionReferences)
            case .abstract: features.insert(.gc)
            case .concrete: features.insert(.functionReferences)
            }
        }
    }

    mutating func note(_ blockType: BlockType) {
        if case .type(let t) = blockType { note(t) }
    }

    mutating func visitBlock(blockType: BlockType) { note(blockType) }
    mutating func visitLoop(blockType: BlockType) { note(blockType) }
    mutating func visitIf(blockType: BlockType) { note(blockType) }
    mutating func visitThrow(tagIndex: UInt32) { note(.exceptionHandling) }
    mutating func visitThrowRef() { note(.exceptionHandling) }
    mutating func visitTryTable(blockType: BlockType, tryCatch: TryCatch) {
        note(.exceptionHandling)
        note(blockType)
    }
    mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) { note(.tables) }
    mutating func visitReturnCall(functionIndex: UInt32) { note(.tailCall) }
    mutating func visitReturnCallIndirect(typeIndex: UInt32, tableIndex: UInt32) {
        note(.tailCall)
        note(.tables)
    }
    mutating func visitCallRef(typeIndex: UInt32) { note(.functionReferences) }
    mutating func visitReturnCallRef(typeIndex: UInt32) {
        note(.functionReferences)
        note(.tailCall)
    }
    mutating func visitTypedSelect(type: ValueType) { note(type) }
    mutating func visitLoad(_ load: Instruction.Load, memarg: MemArg) {
        note(memory: memarg.memory)
        if load.type == .v128 { note(.simd) }
        if load.isAtomic { note(.threads) }
    }
    mutating func visitStore(_ store: Instruction.Store, memarg: MemArg) {
        note(memory: memarg.memory)
        if store.type == .v128 { note(.simd) }
        if store.isAtomic { note(.threads) }
    }
    mutating func visitMemorySize(memory: UInt32) { note(memory: memory) }
    mutating func visitMemoryGrow(memory: UInt32) { note(memory: memory) }
    mutating func visitRefNull(type: HeapType) { note(.ref(ReferenceType(isNullable: true, heapType: type))) }
    mutating func visitRefIsNull() { note(.referenceTypes) }
    mutating func visitRefFunc(functionIndex: UInt32) { note(.referenceTypes) }
    mutating func visitRefAsNonNull() { note(.functionReferences) }
    mutating func visitBrOnNull(relativeDepth: UInt32) { note(.functionReferences) }
    mutating func visitBrOnNonNull(relativeDepth: UInt32) { note(.functionReferences) }
    mutating func visitMemoryInit(dataIndex: UInt32, memory: UInt32) {
        note(.bulkMemory)
        note(memory: memory)
    }
    mutating func visitDataDrop(dataIndex: UInt32) { note(.bulkMemory) }
    mutating func visitMemoryCopy(dstMem: UInt32, srcMem: UInt32) {
        note(.bulkMemory)
        note(memory: dstMem)
        note(memory: srcMem)
    }
    mutating func visitMemoryFill(memory: UInt32) {
        note(.bulkMemory)
        note(memory: memory)
    }
    mutating func visitTableInit(elemIndex: UInt32, table: UInt32) { note(.tables) }
    mutating func visitElemDrop(elemIndex: UInt32) { note(.tables) }
    mutating func visitTableCopy(dstTable: UInt32, srcTable: UInt32) { note(.tables) }
    mutating func visitTableFill(table: UInt32) { note(.tables) }
    mutating func visitTableGet(table: UInt32) { note(.tables) }
    mutating func visitTableSet(table: UInt32) { note(.tables) }
    mutating func visitTableGrow(table: UInt32) { note(.tables) }
    mutating func visitTableSize(table: UInt32) { note(.tables) }
}

extension Instruction.Load {
    var isAtomic: Bool {
        switch self {
        case .i32AtomicLoad, .i64AtomicLoad, .i32AtomicLoad8U, .i32AtomicLoad16U, .i64AtomicLoad8U,
            .i64AtomicLoad16U, .i64AtomicLoad32U:
            return true
        default: return false
        }
    }
}

extension Instruction.Store {
    var isAtomic: Bool {
        switch self {
        case .i32AtomicStore, .i64AtomicStore, .i32AtomicStore8, .i32AtomicStore16, .i64AtomicStore8,
            .i64AtomicStore16, .i64AtomicStore32:
            return true
        default: return false
        }
    }
}
