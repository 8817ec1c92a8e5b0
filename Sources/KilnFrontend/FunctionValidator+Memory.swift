import WasmParser
import WasmTypes

/// Variable, memory, table and reference instructions.
/// <https://webassembly.github.io/spec/core/valid/instructions.html>
extension FunctionValidator {
    // MARK: Variables

    func localType(_ index: UInt32) throws(BodyCheckError) -> ValueType {
        guard Int(index) < locals.count else { throw unknown("local", index) }
        return locals[Int(index)]
    }

    mutating func visitLocalGet(localIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        push(try localType(localIndex))
    }

    mutating func visitLocalSet(localIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(try localType(localIndex))
    }

    mutating func visitLocalTee(localIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try localType(localIndex)
        try pop(type)
        push(type)
    }

    mutating func visitGlobalGet(globalIndex: UInt32) throws(BodyCheckError) {
        guard Int(globalIndex) < constantGlobalLimit else { throw unknown("global", globalIndex) }
        let global = module.globals[Int(globalIndex)]
        if isConstant && global.mutability == .variable {
            throw invalid("constant expression required", detail: "global.get of mutable global \(globalIndex)")
        }
        push(global.valueType)
    }

    mutating func visitGlobalSet(globalIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        guard Int(globalIndex) < module.globals.count else { throw unknown("global", globalIndex) }
        let global = module.globals[Int(globalIndex)]
        guard global.mutability == .variable else { throw invalid("immutable global", detail: "global \(globalIndex)") }
        try pop(global.valueType)
    }

    // MARK: Memory

    /// Checks the memory and alignment of a load or store and returns the address type.
    private func checkMemarg(_ memarg: MemArg, naturalAlignment: Int) throws(BodyCheckError) -> ValueType {
        guard memarg.align < 64 else { throw malformed("malformed memop flags") }
        let memory = try memoryType(memarg.memory)
        guard memarg.align <= naturalAlignment else {
            throw invalid(
                "alignment must not be larger than natural",
                detail: "2^\(memarg.align) bytes, natural is 2^\(naturalAlignment)")
        }
        if !memory.isMemory64 && memarg.offset > UInt64(UInt32.max) {
            throw invalid("offset out of range", detail: "\(memarg.offset) on a 32-bit memory")
        }
        return Self.addressType(memory)
    }

    mutating func visitLoad(_ load: Instruction.Load, memarg: MemArg) throws(BodyCheckError) {
        try requireNonConstantContext()
        if load.type == .v128 { throw .unsupported(.simd) }
        if load.isAtomic { throw .unsupported(.threads) }
        let address = try checkMemarg(memarg, naturalAlignment: load.naturalAlignment)
        try pop(address)
        push(load.type)
    }

    mutating func visitStore(_ store: Instruction.Store, memarg: MemArg) throws(BodyCheckError) {
        try requireNonConstantContext()
        if store.type == .v128 { throw .unsupported(.simd) }
        if store.isAtomic { throw .unsupported(.threads) }
        let address = try checkMemarg(memarg, naturalAlignment: store.naturalAlignment)
        try pop(store.type)
        try pop(address)
    }

    mutating func visitMemorySize(memory: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        push(Self.addressType(try memoryType(memory)))
    }

    mutating func visitMemoryGrow(memory: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let address = Self.addressType(try memoryType(memory))
        try pop(address)
        push(address)
    }

    mutating func visitMemoryFill(memory: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let address = Self.addressType(try memoryType(memory))
        try pop(address)
        try pop(.i32)
        try pop(address)
    }

    mutating func visitMemoryCopy(dstMem: UInt32, srcMem: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let destination = Self.addressType(try memoryType(dstMem))
        let source = Self.addressType(try memoryType(srcMem))
        try pop(destination == .i64 && source == .i64 ? .i64 : .i32)
        try pop(source)
        try pop(destination)
    }

    /// Checks a data segment index; `memory.init` and `data.drop` need the data count section.
    private func checkDataIndex(_ index: UInt32) throws(BodyCheckError) {
        guard let count = module.dataCount else { throw malformed("data count section required") }
        guard index < count else { throw unknown("data segment", index) }
    }

    mutating func visitMemoryInit(dataIndex: UInt32, memory: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let address = Self.addressType(try memoryType(memory))
        try checkDataIndex(dataIndex)
        try pop(.i32)
        try pop(.i32)
        try pop(address)
    }

    mutating func visitDataDrop(dataIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        try checkDataIndex(dataIndex)
    }

    // MARK: Tables

    private func elementType(_ index: UInt32) throws(BodyCheckError) -> ReferenceType {
        guard Int(index) < module.elements.count else { throw unknown("elem segment", index) }
        return module.elements[Int(index)].type
    }

    mutating func visitTableGet(table: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try tableType(table)
        try pop(Self.addressType(type.limits))
        push(.ref(type.elementType))
    }

    mutating func visitTableSet(table: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try tableType(table)
        try pop(.ref(type.elementType))
        try pop(Self.addressType(type.limits))
    }

    mutating func visitTableSize(table: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        push(Self.addressType(try tableType(table).limits))
    }

    mutating func visitTableGrow(table: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try tableType(table)
        let address = Self.addressType(type.limits)
        try pop(address)
        try pop(.ref(type.elementType))
        push(address)
    }

    mutating func visitTableFill(table: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try tableType(table)
        let address = Self.addressType(type.limits)
        try pop(address)
        try pop(.ref(type.elementType))
        try pop(address)
    }

    mutating func visitTableCopy(dstTable: UInt32, srcTable: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let destination = try tableType(dstTable)
        let source = try tableType(srcTable)
        guard TypeRules.isSubtype(source.elementType, of: destination.elementType, types: module.types) else {
            throw invalid(
                "type mismatch",
                detail: "table.copy from \(TypeRules.name(.ref(source.elementType))) to \(TypeRules.name(.ref(destination.elementType)))")
        }
        let d = Self.addressType(destination.limits)
        let s = Self.addressType(source.limits)
        try pop(d == .i64 && s == .i64 ? .i64 : .i32)
        try pop(s)
        try pop(d)
    }

    mutating func visitTableInit(elemIndex: UInt32, table: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try tableType(table)
        let segment = try elementType(elemIndex)
        guard TypeRules.isSubtype(segment, of: type.elementType, types: module.types) else {
            throw invalid(
                "type mismatch",
                detail: "table.init of \(TypeRules.name(.ref(segment))) into \(TypeRules.name(.ref(type.elementType)))")
        }
        try pop(.i32)
        try pop(.i32)
        try pop(Self.addressType(type.limits))
    }

    mutating func visitElemDrop(elemIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        _ = try elementType(elemIndex)
    }

    // MARK: References

    mutating func visitRefNull(type: HeapType) throws(BodyCheckError) {
        if case .concrete(let index) = type, Int(index) >= module.types.count { throw unknown("type", index) }
        push(.ref(ReferenceType(isNullable: true, heapType: type)))
    }

    mutating func visitRefIsNull() throws(BodyCheckError) {
        try requireNonConstantContext()
        _ = try popReference()
        push(.i32)
    }

    mutating func visitRefFunc(functionIndex: UInt32) throws(BodyCheckError) {
        guard Int(functionIndex) < module.functionTypeIndices.count else { throw unknown("function", functionIndex) }
        if !isConstant && !context.declaredFunctionReferences.contains(functionIndex) {
            throw invalid("undeclared function reference", detail: "function \(functionIndex)")
        }
        let typeIndex = module.functionTypeIndices[Int(functionIndex)]
        push(.ref(ReferenceType(isNullable: false, heapType: .concrete(typeIndex: typeIndex))))
    }
}
