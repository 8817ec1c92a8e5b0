import WasmParser
import WasmTypes

/// Control instructions and calls.
/// <https://webassembly.github.io/spec/core/valid/instructions.html#control-instructions>
extension FunctionValidator {
    mutating func visitUnreachable() throws(BodyCheckError) {
        try requireNonConstantContext()
        markUnreachable()
    }

    mutating func visitNop() throws(BodyCheckError) { try requireNonConstantContext() }

    mutating func visitBlock(blockType: BlockType) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try functionType(of: blockType)
        try pop(type.parameters)
        pushFrame(.block, type)
    }

    mutating func visitLoop(blockType: BlockType) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try functionType(of: blockType)
        try pop(type.parameters)
        pushFrame(.loop, type)
    }

    mutating func visitIf(blockType: BlockType) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try functionType(of: blockType)
        try pop(.i32)
        try pop(type.parameters)
        pushFrame(.if, type)
    }

    mutating func visitElse() throws(BodyCheckError) {
        try requireNonConstantContext()
        guard frames.last?.kind == .if else { throw malformed("else without if") }
        let frame = try popFrame()
        pushFrame(.else, FunctionType(parameters: frame.startTypes, results: frame.endTypes))
    }

    mutating func visitEnd() throws(BodyCheckError) {
        let frame = try popFrame()
        if frame.kind == .if && frame.startTypes != frame.endTypes {
            throw invalid(
                "type mismatch",
                detail: "if without else must leave its parameters \(TypeRules.name(frame.startTypes)), expected \(TypeRules.name(frame.endTypes))")
        }
        push(frame.endTypes)
        if frames.isEmpty { finished = true }
    }

    mutating func visitBr(relativeDepth: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(try labelTypes(atDepth: relativeDepth))
        markUnreachable()
    }

    mutating func visitBrIf(relativeDepth: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(.i32)
        let types = try labelTypes(atDepth: relativeDepth)
        try pop(types)
        push(types)
    }

    mutating func visitBrTable(targets: BrTable) throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(.i32)
        let defaultTypes = try labelTypes(atDepth: targets.defaultIndex)
        for depth in targets.labelIndices {
            let types = try labelTypes(atDepth: depth)
            guard types.count == defaultTypes.count else {
                throw invalid(
                    "type mismatch",
                    detail: "br_table targets differ in arity: \(TypeRules.name(types)) and \(TypeRules.name(defaultTypes))")
            }
            let popped = try popReturning(types)
            for t in popped { push(t) }
        }
        try pop(defaultTypes)
        markUnreachable()
    }

    mutating func visitReturn() throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(results)
        markUnreachable()
    }

    mutating func visitCall(functionIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try calleeType(functionIndex)
        try pop(type.parameters)
        push(type.results)
    }

    mutating func visitCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try indirectCalleeType(typeIndex: typeIndex, tableIndex: tableIndex)
        try pop(type.parameters)
        push(type.results)
    }

    mutating func visitReturnCall(functionIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try calleeType(functionIndex)
        try checkTailCallResults(type)
        try pop(type.parameters)
        markUnreachable()
    }

    mutating func visitReturnCallIndirect(typeIndex: UInt32, tableIndex: UInt32) throws(BodyCheckError) {
        try requireNonConstantContext()
        let type = try indirectCalleeType(typeIndex: typeIndex, tableIndex: tableIndex)
        try checkTailCallResults(type)
        try pop(type.parameters)
        markUnreachable()
    }

    /// Checks the table of a `call_indirect` (funcref elements), pops the index and
    /// returns the callee's type.
    private mutating func indirectCalleeType(typeIndex: UInt32, tableIndex: UInt32) throws(BodyCheckError) -> FunctionType {
        let table = try tableType(tableIndex)
        guard TypeRules.isSubtype(table.elementType, of: .funcRef, types: module.types) else {
            throw invalid("type mismatch", detail: "call_indirect through a table of \(TypeRules.name(.ref(table.elementType)))")
        }
        let type = try functionType(typeIndex)
        try pop(Self.addressType(table.limits))
        return type
    }

    /// A tail call's callee must return what the caller returns.
    private func checkTailCallResults(_ callee: FunctionType) throws(BodyCheckError) {
        let matches =
            callee.results.count == results.count
            && zip(callee.results, results).allSatisfy { TypeRules.isSubtype($0, of: $1, types: module.types) }
        guard matches else {
            throw invalid(
                "type mismatch",
                detail: "tail call returns \(TypeRules.name(callee.results)), caller returns \(TypeRules.name(results))")
        }
    }

    mutating func visitDrop() throws(BodyCheckError) {
        try requireNonConstantContext()
        _ = try pop()
    }

    mutating func visitSelect() throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(.i32)
        let t1 = try pop()
        let t2 = try pop()
        for t in [t1, t2] {
            if let t, !TypeRules.isNumeric(t), t != .v128 {
                throw invalid("type mismatch", detail: "select without a type needs numeric operands, found \(TypeRules.name(t))")
            }
        }
        if let t1, let t2, t1 != t2 {
            throw invalid("type mismatch", detail: "select operands \(TypeRules.name(t1)) and \(TypeRules.name(t2))")
        }
        push(t1 ?? t2)
    }

    mutating func visitTypedSelect(type: ValueType) throws(BodyCheckError) {
        try requireNonConstantContext()
        try checkValueType(type)
        try pop(.i32)
        try pop(type)
        try pop(type)
        push(type)
    }

    // Features Kiln does not validate yet.
    mutating func visitThrow(tagIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.exceptionHandling) }
    mutating func visitThrowRef() throws(BodyCheckError) { throw .unsupported(.exceptionHandling) }
    mutating func visitTryTable(blockType: BlockType, tryCatch: TryCatch) throws(BodyCheckError) {
        throw .unsupported(.exceptionHandling)
    }
    mutating func visitCallRef(typeIndex: UInt32) throws(BodyCheckError) { throw .unsupported(.functionReferences) }
    mutating func visitReturnCallRef(typeIndex: UInt32) throws(BodyCheckError) {
        throw .unsupported(.functionReferences)
    }
    mutating func visitBrOnNull(relativeDepth: UInt32) throws(BodyCheckError) { throw .unsupported(.functionReferences) }
    mutating func visitBrOnNonNull(relativeDepth: UInt32) throws(BodyCheckError) {
        throw .unsupported(.functionReferences)
    }
    mutating func visitRefAsNonNull() throws(BodyCheckError) { throw .unsupported(.functionReferences) }
}
