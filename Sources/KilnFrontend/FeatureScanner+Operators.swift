// The operators that by themselves show a post-MVP feature (see FeatureScanner.swift).
// Generated from WasmParser's InstructionVisitor protocol; edit by hand if it changes.
import WasmParser
import WasmTypes

extension FeatureScanner {
    mutating func visitAtomicFence() { note(.threads) }
    mutating func visitMemoryAtomicNotify(memarg: MemArg) { note(.threads) }
    mutating func visitMemoryAtomicWait32(memarg: MemArg) { note(.threads) }
    mutating func visitMemoryAtomicWait64(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmwAdd(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmwAdd(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw8AddU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw16AddU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw8AddU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw16AddU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw32AddU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmwSub(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmwSub(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw8SubU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw16SubU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw8SubU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw16SubU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw32SubU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmwAnd(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmwAnd(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw8AndU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw16AndU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw8AndU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw16AndU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw32AndU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmwOr(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmwOr(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw8OrU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw16OrU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw8OrU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw16OrU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw32OrU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmwXor(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmwXor(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw8XorU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw16XorU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw8XorU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw16XorU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw32XorU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmwXchg(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmwXchg(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw8XchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw16XchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw8XchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw16XchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw32XchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmwCmpxchg(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmwCmpxchg(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw8CmpxchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI32AtomicRmw16CmpxchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw8CmpxchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw16CmpxchgU(memarg: MemArg) { note(.threads) }
    mutating func visitI64AtomicRmw32CmpxchgU(memarg: MemArg) { note(.threads) }
    mutating func visitV128Const(value: V128) { note(.simd) }
    mutating func visitI8x16Shuffle(lanes: V128ShuffleMask) { note(.simd) }
    mutating func visitSimd(_: Instruction.Simd) { note(.simd) }
    mutating func visitSimdLane(_: Instruction.SimdLane, lane: UInt8) { note(.simd) }
    mutating func visitSimdMemLane(_: Instruction.SimdMemLane, memarg: MemArg, lane: UInt8) { note(.simd) }
    mutating func visitRefI31() { note(.gc) }
    mutating func visitI31GetS() { note(.gc) }
    mutating func visitI31GetU() { note(.gc) }
    mutating func visitStructNew(typeIndex: UInt32) { note(.gc) }
    mutating func visitStructNewDefault(typeIndex: UInt32) { note(.gc) }
    mutating func visitStructGet(typeIndex: UInt32, fieldIndex: UInt32) { note(.gc) }
    mutating func visitStructGetS(typeIndex: UInt32, fieldIndex: UInt32) { note(.gc) }
    mutating func visitStructGetU(typeIndex: UInt32, fieldIndex: UInt32) { note(.gc) }
    mutating func visitStructSet(typeIndex: UInt32, fieldIndex: UInt32) { note(.gc) }
    mutating func visitArrayNew(typeIndex: UInt32) { note(.gc) }
    mutating func visitArrayNewDefault(typeIndex: UInt32) { note(.gc) }
    mutating func visitArrayNewFixed(typeIndex: UInt32, size: UInt32) { note(.gc) }
    mutating func visitArrayGet(typeIndex: UInt32) { note(.gc) }
    mutating func visitArrayGetS(typeIndex: UInt32) { note(.gc) }
    mutating func visitArrayGetU(typeIndex: UInt32) { note(.gc) }
    mutating func visitArraySet(typeIndex: UInt32) { note(.gc) }
    mutating func visitArrayLen() { note(.gc) }
    mutating func visitRefEq() { note(.gc) }
    mutating func visitAnyConvertExtern() { note(.gc) }
    mutating func visitExternConvertAny() { note(.gc) }
    mutating func visitArrayNewData(typeIndex: UInt32, dataIndex: UInt32) { note(.gc) }
    mutating func visitArrayNewElem(typeIndex: UInt32, elemIndex: UInt32) { note(.gc) }
    mutating func visitArrayFill(typeIndex: UInt32) { note(.gc) }
    mutating func visitArrayCopy(destType: UInt32, srcType: UInt32) { note(.gc) }
    mutating func visitArrayInitData(typeIndex: UInt32, dataIndex: UInt32) { note(.gc) }
    mutating func visitArrayInitElem(typeIndex: UInt32, elemIndex: UInt32) { note(.gc) }
    mutating func visitRefTest(_: Instruction.RefTest, type: HeapType) { note(.gc) }
    mutating func visitRefCast(_: Instruction.RefCast, type: HeapType) { note(.gc) }
    mutating func visitBrOnCast(relativeDepth: UInt32, castFrom: ReferenceType, castTo: ReferenceType) { note(.gc) }
    mutating func visitBrOnCastFail(relativeDepth: UInt32, castFrom: ReferenceType, castTo: ReferenceType) { note(.gc) }
}
