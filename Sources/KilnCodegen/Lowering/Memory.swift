import KilnABI
import KilnFrontend
import WasmParser
import WasmTypes

/// Loads, stores, `memory.size`, `memory.grow` on memory 0.
extension FunctionCompiler {
    @inlinable public mutating func visitLoad(_ load: Instruction.Load, memarg: MemArg) throws(CompileError) {
        guard reachable else { return }
        let (kind, result): (LoadKind, ValueKind)
        switch load {
        case .i32Load: (kind, result) = (.i32, .i32)
        case .i64Load: (kind, result) = (.i64, .i64)
        case .f32Load: (kind, result) = (.f32, .f32)
        case .f64Load: (kind, result) = (.f64, .f64)
        case .i32Load8S: (kind, result) = (.i32_8S, .i32)
        case .i32Load8U: (kind, result) = (.i32_8U, .i32)
        case .i32Load16S: (kind, result) = (.i32_16S, .i32)
        case .i32Load16U: (kind, result) = (.i32_16U, .i32)
        case .i64Load8S: (kind, result) = (.i64_8S, .i64)
        case .i64Load8U: (kind, result) = (.i64_8U, .i64)
        case .i64Load16S: (kind, result) = (.i64_16S, .i64)
        case .i64Load16U: (kind, result) = (.i64_16U, .i64)
        case .i64Load32S: (kind, result) = (.i64_32S, .i64)
        case .i64Load32U: (kind, result) = (.i64_32U, .i64)
        default: throw unsupported("\(load)")
        }
        try checkMemory(memarg)
        let target = resultRegisterForLocalSet(operands: 1)
        let (address, offset) = popAddress(memarg)
        let dst: Reg
        if let target {
            dst = target
            if let address { free(address) }
        } else if let address, result.isIntegerClass, valueRegs.contains(address) {
            dst = address
        } else {
            dst = allocate(float: !result.isIntegerClass)
            if let address { free(address) }
        }
        masm.wasmLoad(kind, dst: dst, address: address, offset: offset)
        pushReg(result, dst)
    }

    @inlinable public mutating func visitStore(_ store: Instruction.Store, memarg: MemArg) throws(CompileError) {
        guard reachable else { return }
        let kind: StoreKind
        switch store {
        case .i32Store: kind = .i32
        case .i64Store: kind = .i64
        case .f32Store: kind = .f32
        case .f64Store: kind = .f64
        case .i32Store8, .i64Store8: kind = .b8
        case .i32Store16, .i64Store16: kind = .b16
        case .i64Store32: kind = .b32
        default: throw unsupported("\(store)")
        }
        try checkMemory(memarg)
        let value = popReadOnly()
        let (address, offset) = popAddress(memarg)
        masm.wasmStore(kind, src: value, address: address, offset: offset)
        free(value)
        if let address { free(address) }
    }

    @inlinable public mutating func visitMemorySize(memory: UInt32) throws(CompileError) {
        guard reachable else { return }
        guard memory == 0 else { throw unsupported("multiple memories") }
        let r = allocate(float: false)
        masm.memorySize(dst: r)
        pushReg(.i32, r)
    }

    @inlinable public mutating func visitMemoryGrow(memory: UInt32) throws(CompileError) {
        guard reachable else { return }
        guard memory == 0 else { throw unsupported("multiple memories") }
        callBuiltin(.memoryGrow, operands: 1, result: .i32)
    }

    @inlinable public mutating func visitMemoryFill(memory: UInt32) throws(CompileError) {
        guard reachable else { return }
        guard memory == 0 else { throw unsupported("multiple memories") }
        callBuiltin(.memoryFill, operands: 3, result: nil)
    }

    @inlinable public mutating func visitMemoryCopy(dstMem: UInt32, srcMem: UInt32) throws(CompileError) {
        guard reachable else { return }
        guard dstMem == 0 && srcMem == 0 else { throw unsupported("multiple memories") }
        callBuiltin(.memoryCopy, operands: 3, result: nil)
    }

    @inlinable public mutating func visitMemoryInit(dataIndex: UInt32, memory: UInt32) throws(CompileError) {
        guard reachable else { return }
        guard memory == 0 else { throw unsupported("multiple memories") }
        callBuiltin(.memoryInit, dataIndex, operands: 3, result: nil)
    }

    @inlinable public mutating func visitDataDrop(dataIndex: UInt32) throws(CompileError) {
        guard reachable else { return }
        callBuiltin(.dataDrop, dataIndex, operands: 0, result: nil)
    }

    @inlinable func checkMemory(_ memarg: MemArg) throws(CompileError) {
        guard memarg.memory == 0 else { throw unsupported("multiple memories") }
        if !env.module.memories.isEmpty && env.module.memories[0].isMemory64 {
            throw unsupported("memory64")
        }
    }

    /// Pops an i32 address: a register (possibly a local's, read-only), or nothing when
    /// it is a constant (folded into the offset).
    @inlinable mutating func popAddress(_ memarg: MemArg) -> (Reg?, UInt64) {
        if case .const(_, let bits) = stack[stack.count - 1] {
            stack.removeLast()
            return (nil, UInt64(UInt32(truncatingIfNeeded: bits)) + memarg.offset)
        }
        return (popReadOnly(), memarg.offset)
    }
}
