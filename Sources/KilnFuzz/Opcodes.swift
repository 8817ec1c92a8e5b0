// The operators the generator emits, as data: one table per category so the generator
// picks from tables instead of spelling opcodes in its logic.
// <https://webassembly.github.io/spec/core/binary/instructions.html>

/// A numeric operator: its encoding, operand and result types, and whether it is
/// "arithmetic" on floats (its NaN results have an unspecified payload, so the generator
/// canonicalizes them; see docs/reliability.md, "NaNs").
struct NumericOp {
    var code: [UInt8]
    var operands: [FuzzType]
    var result: FuzzType
    var makesArithmeticNaN: Bool = false
}

enum Opcodes {
    static let unreachable: UInt8 = 0x00, nop: UInt8 = 0x01, block: UInt8 = 0x02, loop: UInt8 = 0x03
    static let `if`: UInt8 = 0x04, `else`: UInt8 = 0x05, end: UInt8 = 0x0B, br: UInt8 = 0x0C
    static let brIf: UInt8 = 0x0D, brTable: UInt8 = 0x0E, `return`: UInt8 = 0x0F, call: UInt8 = 0x10
    static let callIndirect: UInt8 = 0x11, returnCall: UInt8 = 0x12, returnCallIndirect: UInt8 = 0x13
    static let drop: UInt8 = 0x1A, select: UInt8 = 0x1B, selectTyped: UInt8 = 0x1C
    static let localGet: UInt8 = 0x20, localSet: UInt8 = 0x21, localTee: UInt8 = 0x22
    static let globalGet: UInt8 = 0x23, globalSet: UInt8 = 0x24, tableGet: UInt8 = 0x25, tableSet: UInt8 = 0x26
    static let memorySize: UInt8 = 0x3F, memoryGrow: UInt8 = 0x40
    static let refNull: UInt8 = 0xD0, refIsNull: UInt8 = 0xD1, refFunc: UInt8 = 0xD2
    static let prefixFC: UInt8 = 0xFC

    static func const(_ t: FuzzType) -> UInt8 {
        switch t {
        case .i32: return 0x41
        case .i64: return 0x42
        case .f32: return 0x43
        case .f64: return 0x44
        case .funcref: return refNull
        }
    }

    private static func ops(_ codes: ClosedRange<UInt8>, _ operands: [FuzzType], _ result: FuzzType, arithmetic: Bool = false) -> [NumericOp] {
        codes.map { NumericOp(code: [$0], operands: operands, result: result, makesArithmeticNaN: arithmetic) }
    }

    /// Unary operators producing `t` from one `t`.
    static let unary: [FuzzType: [NumericOp]] = [
        .i32: ops(0x67...0x69, [.i32], .i32) + ops(0xC0...0xC1, [.i32], .i32),
        .i64: ops(0x79...0x7B, [.i64], .i64) + ops(0xC2...0xC4, [.i64], .i64),
        .f32: ops(0x8B...0x8C, [.f32], .f32) + ops(0x8D...0x91, [.f32], .f32, arithmetic: true),
        .f64: ops(0x99...0x9A, [.f64], .f64) + ops(0x9B...0x9F, [.f64], .f64, arithmetic: true),
    ]

    /// Binary operators producing `t` from two `t`.
    static let binary: [FuzzType: [NumericOp]] = [
        .i32: ops(0x6A...0x78, [.i32, .i32], .i32),
        .i64: ops(0x7C...0x8A, [.i64, .i64], .i64),
        .f32: ops(0x92...0x97, [.f32, .f32], .f32, arithmetic: true) + ops(0x98...0x98, [.f32, .f32], .f32),
        .f64: ops(0xA0...0xA5, [.f64, .f64], .f64, arithmetic: true) + ops(0xA6...0xA6, [.f64, .f64], .f64),
    ]

    /// Tests and comparisons: all produce i32.
    static let compare: [NumericOp] =
        ops(0x45...0x45, [.i32], .i32) + ops(0x46...0x4F, [.i32, .i32], .i32)
        + ops(0x50...0x50, [.i64], .i32) + ops(0x51...0x5A, [.i64, .i64], .i32)
        + ops(0x5B...0x60, [.f32, .f32], .i32) + ops(0x61...0x66, [.f64, .f64], .i32)

    /// Conversions, by result type (trapping truncations included).
    static let convert: [FuzzType: [NumericOp]] = [
        .i32: [
            NumericOp(code: [0xA7], operands: [.i64], result: .i32),
            NumericOp(code: [0xA8], operands: [.f32], result: .i32), NumericOp(code: [0xA9], operands: [.f32], result: .i32),
            NumericOp(code: [0xAA], operands: [.f64], result: .i32), NumericOp(code: [0xAB], operands: [.f64], result: .i32),
            NumericOp(code: [0xBC], operands: [.f32], result: .i32),
            NumericOp(code: [0xFC, 0], operands: [.f32], result: .i32), NumericOp(code: [0xFC, 1], operands: [.f32], result: .i32),
            NumericOp(code: [0xFC, 2], operands: [.f64], result: .i32), NumericOp(code: [0xFC, 3], operands: [.f64], result: .i32),
        ],
        .i64: [
            NumericOp(code: [0xAC], operands: [.i32], result: .i64), NumericOp(code: [0xAD], operands: [.i32], result: .i64),
            NumericOp(code: [0xAE], operands: [.f32], result: .i64), NumericOp(code: [0xAF], operands: [.f32], result: .i64),
            NumericOp(code: [0xB0], operands: [.f64], result: .i64), NumericOp(code: [0xB1], operands: [.f64], result: .i64),
            NumericOp(code: [0xBD], operands: [.f64], result: .i64),
            NumericOp(code: [0xFC, 4], operands: [.f32], result: .i64), NumericOp(code: [0xFC, 5], operands: [.f32], result: .i64),
            NumericOp(code: [0xFC, 6], operands: [.f64], result: .i64), NumericOp(code: [0xFC, 7], operands: [.f64], result: .i64),
        ],
        .f32: [
            NumericOp(code: [0xB2], operands: [.i32], result: .f32), NumericOp(code: [0xB3], operands: [.i32], result: .f32),
            NumericOp(code: [0xB4], operands: [.i64], result: .f32), NumericOp(code: [0xB5], operands: [.i64], result: .f32),
            NumericOp(code: [0xB6], operands: [.f64], result: .f32, makesArithmeticNaN: true),
            NumericOp(code: [0xBE], operands: [.i32], result: .f32),
        ],
        .f64: [
            NumericOp(code: [0xB7], operands: [.i32], result: .f64), NumericOp(code: [0xB8], operands: [.i32], result: .f64),
            NumericOp(code: [0xB9], operands: [.i64], result: .f64), NumericOp(code: [0xBA], operands: [.i64], result: .f64),
            NumericOp(code: [0xBB], operands: [.f32], result: .f64, makesArithmeticNaN: true),
            NumericOp(code: [0xBF], operands: [.i64], result: .f64),
        ],
    ]

    /// A load or store: opcode, value type, natural alignment (log2).
    struct MemoryAccess {
        var code: UInt8
        var type: FuzzType
        var naturalAlignment: UInt32
    }

    static let loads: [MemoryAccess] = [
        .init(code: 0x28, type: .i32, naturalAlignment: 2), .init(code: 0x29, type: .i64, naturalAlignment: 3),
        .init(code: 0x2A, type: .f32, naturalAlignment: 2), .init(code: 0x2B, type: .f64, naturalAlignment: 3),
        .init(code: 0x2C, type: .i32, naturalAlignment: 0), .init(code: 0x2D, type: .i32, naturalAlignment: 0),
        .init(code: 0x2E, type: .i32, naturalAlignment: 1), .init(code: 0x2F, type: .i32, naturalAlignment: 1),
        .init(code: 0x30, type: .i64, naturalAlignment: 0), .init(code: 0x31, type: .i64, naturalAlignment: 0),
        .init(code: 0x32, type: .i64, naturalAlignment: 1), .init(code: 0x33, type: .i64, naturalAlignment: 1),
        .init(code: 0x34, type: .i64, naturalAlignment: 2), .init(code: 0x35, type: .i64, naturalAlignment: 2),
    ]

    static let stores: [MemoryAccess] = [
        .init(code: 0x36, type: .i32, naturalAlignment: 2), .init(code: 0x37, type: .i64, naturalAlignment: 3),
        .init(code: 0x38, type: .f32, naturalAlignment: 2), .init(code: 0x39, type: .f64, naturalAlignment: 3),
        .init(code: 0x3A, type: .i32, naturalAlignment: 0), .init(code: 0x3B, type: .i32, naturalAlignment: 1),
        .init(code: 0x3C, type: .i64, naturalAlignment: 0), .init(code: 0x3D, type: .i64, naturalAlignment: 1),
        .init(code: 0x3E, type: .i64, naturalAlignment: 2),
    ]
}
