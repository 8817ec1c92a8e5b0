import WasmParser
import WasmTypes

/// Numeric instructions. Constants are allowed in constant expressions, and so are
/// `i32`/`i64` `add`, `sub` and `mul` (extended constant expressions, Wasm 3.0).
/// <https://webassembly.github.io/spec/core/valid/instructions.html#numeric-instructions>
extension FunctionValidator {
    mutating func visitI32Const(value: Int32) throws(BodyCheckError) { push(.i32) }
    mutating func visitI64Const(value: Int64) throws(BodyCheckError) { push(.i64) }
    mutating func visitF32Const(value: IEEE754.Float32) throws(BodyCheckError) { push(.f32) }
    mutating func visitF64Const(value: IEEE754.Float64) throws(BodyCheckError) { push(.f64) }

    mutating func visitI32Eqz() throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(.i32)
        push(.i32)
    }

    mutating func visitI64Eqz() throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(.i64)
        push(.i32)
    }

    mutating func visitCmp(_ cmp: Instruction.Cmp) throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(cmp.type)
        try pop(cmp.type)
        push(.i32)
    }

    mutating func visitUnary(_ unary: Instruction.Unary) throws(BodyCheckError) {
        try requireNonConstantContext()
        try pop(unary.type)
        push(unary.type)
    }

    mutating func visitBinary(_ binary: Instruction.Binary) throws(BodyCheckError) {
        if isConstant {
            switch binary {
            case .i32Add, .i32Sub, .i32Mul, .i64Add, .i64Sub, .i64Mul: break
            default: throw invalid("constant expression required")
            }
        }
        try pop(binary.type)
        try pop(binary.type)
        push(binary.type)
    }

    mutating func visitConversion(_ conversion: Instruction.Conversion) throws(BodyCheckError) {
        try requireNonConstantContext()
        let types = conversion.types
        try pop(types.operand)
        push(types.result)
    }
}
