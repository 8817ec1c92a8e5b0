// Operand types of the numeric operators, grouped by type. Generated from WasmParser's
// `Instruction` enums; edit by hand if they change.
import WasmParser
import WasmTypes

extension Instruction.Cmp {
    /// The operand type (the result is i32).
    var type: ValueType {
        switch self {
        case .i32Eq, .i32Ne, .i32LtS, .i32LtU, .i32GtS, .i32GtU, .i32LeS, .i32LeU, .i32GeS, .i32GeU:
            return .i32
        case .i64Eq, .i64Ne, .i64LtS, .i64LtU, .i64GtS, .i64GtU, .i64LeS, .i64LeU, .i64GeS, .i64GeU:
            return .i64
        case .f32Eq, .f32Ne, .f32Lt, .f32Gt, .f32Le, .f32Ge:
            return .f32
        case .f64Eq, .f64Ne, .f64Lt, .f64Gt, .f64Le, .f64Ge:
            return .f64
        }
    }
}

extension Instruction.Unary {
    /// The operand and result type.
    var type: ValueType {
        switch self {
        case .i32Clz, .i32Ctz, .i32Popcnt, .i32Extend8S, .i32Extend16S:
            return .i32
        case .i64Clz, .i64Ctz, .i64Popcnt, .i64Extend8S, .i64Extend16S, .i64Extend32S:
            return .i64
        case .f32Abs, .f32Neg, .f32Ceil, .f32Floor, .f32Trunc, .f32Nearest, .f32Sqrt:
            return .f32
        case .f64Abs, .f64Neg, .f64Ceil, .f64Floor, .f64Trunc, .f64Nearest, .f64Sqrt:
            return .f64
        }
    }
}

extension Instruction.Binary {
    /// The operand and result type.
    var type: ValueType {
        switch self {
        case .i32Add, .i32Sub, .i32Mul, .i32DivS, .i32DivU, .i32RemS, .i32RemU, .i32And, .i32Or, .i32Xor, .i32Shl, .i32ShrS, .i32ShrU, .i32Rotl, .i32Rotr:
            return .i32
        case .i64Add, .i64Sub, .i64Mul, .i64DivS, .i64DivU, .i64RemS, .i64RemU, .i64And, .i64Or, .i64Xor, .i64Shl, .i64ShrS, .i64ShrU, .i64Rotl, .i64Rotr:
            return .i64
        case .f32Add, .f32Sub, .f32Mul, .f32Div, .f32Min, .f32Max, .f32Copysign:
            return .f32
        case .f64Add, .f64Sub, .f64Mul, .f64Div, .f64Min, .f64Max, .f64Copysign:
            return .f64
        }
    }
}

extension Instruction.Conversion {
    /// Operand and result types.
    var types: (operand: ValueType, result: ValueType) {
        switch self {
        case .i32WrapI64:
            return (.i64, .i32)
        case .i32TruncF32S, .i32TruncF32U, .i32ReinterpretF32, .i32TruncSatF32S, .i32TruncSatF32U:
            return (.f32, .i32)
        case .i32TruncF64S, .i32TruncF64U, .i32TruncSatF64S, .i32TruncSatF64U:
            return (.f64, .i32)
        case .i64ExtendI32S, .i64ExtendI32U:
            return (.i32, .i64)
        case .i64TruncF32S, .i64TruncF32U, .i64TruncSatF32S, .i64TruncSatF32U:
            return (.f32, .i64)
        case .i64TruncF64S, .i64TruncF64U, .i64ReinterpretF64, .i64TruncSatF64S, .i64TruncSatF64U:
            return (.f64, .i64)
        case .f32ConvertI32S, .f32ConvertI32U, .f32ReinterpretI32:
            return (.i32, .f32)
        case .f32ConvertI64S, .f32ConvertI64U:
            return (.i64, .f32)
        case .f32DemoteF64:
            return (.f64, .f32)
        case .f64ConvertI32S, .f64ConvertI32U:
            return (.i32, .f64)
        case .f64ConvertI64S, .f64ConvertI64U, .f64ReinterpretI64:
            return (.i64, .f64)
        case .f64PromoteF32:
            return (.f32, .f64)
        }
    }
}
