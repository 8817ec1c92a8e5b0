// One line per operator that needs a feature Kiln does not validate yet: the
// validator stops checking the body and the scanner records the feature.
// Generated from WasmParser's InstructionVisitor protocol; edit by hand if it changes.
import WasmParser
import WasmTypes

extension FunctionValidator {
    mutating func visitAtomicFence() throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitMemoryAtomicNotify(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitMemoryAtomicWait32(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitMemoryAtomicWait64(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmwAdd(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmwAdd(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw8AddU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw16AddU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw8AddU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw16AddU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw32AddU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmwSub(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmwSub(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw8SubU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw16SubU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw8SubU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw16SubU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw32SubU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmwAnd(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmwAnd(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw8AndU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw16AndU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw8AndU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw16AndU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw32AndU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmwOr(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmwOr(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw8OrU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw16OrU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw8OrU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw16OrU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw32OrU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmwXor(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmwXor(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw8XorU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw16XorU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw8XorU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw16XorU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw32XorU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmwXchg(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmwXchg(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw8XchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw16XchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw8XchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw16XchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw32XchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmwCmpxchg(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmwCmpxchg(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw8CmpxchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI32AtomicRmw16CmpxchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw8CmpxchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw16CmpxchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitI64AtomicRmw32CmpxchgU(memarg: MemArg) throws(BodyCheckError) { throw .unsupported(.threads) }
    mutating func visitV128Const(value: V128) throws(BodyCheckError) { throw .unsupported(.simd) }
    mutating func visitI8x16Shuffle(lanes: V128ShuffleMask) throws(BodyCheckError) { throw .unsupported(.simd) }
    mutating func visitSimd(_: Instruction.Simd) throws(BodyCheckError) { throw .unsupported(.simd) }
    mutating func visitSimdLane(_: Instruction.SimdLane, lane: UInt8) throws(BodyCheckError) { throw .unsupported(.simd) }
    mutating func visitSimdMemLane(_: Instruction.SimdMemLane, memarg: MemArg, lane: UInt8) throws(BodyCheckError) { throw .unsupported(.simd) }
    mutating func visitRefI31() throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitI31GetS() throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitI31GetU() throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitStructNew(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitStructNewDefault(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitStructGet(typeIndex: UInt32, fieldIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitStructGetS(typeIndex: UInt32, fieldIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitStructGetU(typeIndex: UInt32, fieldIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitStructSet(typeIndex: UInt32, fieldIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayNew(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayNewDefault(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayNewFixed(typeIndex: UInt32, size: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayGet(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayGetS(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayGetU(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArraySet(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayLen() throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitRefEq() throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitAnyConvertExtern() throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitExternConvertAny() throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayNewData(typeIndex: UInt32, dataIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayNewElem(typeIndex: UInt32, elemIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayFill(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayCopy(destType: UInt32, srcType: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayInitData(typeIndex: UInt32, dataIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitArrayInitElem(typeIndex: UInt32, elemIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitRefTest(_: Instruction.RefTest, type: HeapType) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitRefCast(_: Instruction.RefCast, type: HeapType) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitBrOnCast(relativeDepth: UInt32, castFrom: ReferenceType, castTo: ReferenceType) throws(BodyCheckError) { throw .unsupported(.gc) }
    mutating func visitBrOnCastFail(relativeDepth: UInt32, castFrom: ReferenceType, castTo: ReferenceType) throws(BodyCheckError) { throw .unsupported(.gc) }
}
