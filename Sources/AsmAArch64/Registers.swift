/// A general-purpose register X0-X30, or one of the two registers that share encoding 31:
/// the zero register (XZR/WZR) and the stack pointer (SP). Which of the two an encoding-31
/// field means depends on the instruction form, so they are kept apart here and every
/// encoder checks that it was given the one its field can hold. The width (W or X view)
/// is an operand of each instruction, as the `sf` bit is in the manual.
public struct GPR: Hashable, Sendable {
    /// 0-30 for X0-X30, 31 for the zero register, 32 for SP.
    public let index: UInt8
    @inlinable public init(_ index: UInt8) {
        precondition(index <= 32, "no such register")
        self.index = index
    }

    public static let x0 = GPR(0), x1 = GPR(1), x2 = GPR(2), x3 = GPR(3)
    public static let x4 = GPR(4), x5 = GPR(5), x6 = GPR(6), x7 = GPR(7)
    public static let x8 = GPR(8), x9 = GPR(9), x10 = GPR(10), x11 = GPR(11)
    public static let x12 = GPR(12), x13 = GPR(13), x14 = GPR(14), x15 = GPR(15)
    public static let x16 = GPR(16), x17 = GPR(17), x18 = GPR(18), x19 = GPR(19)
    public static let x20 = GPR(20), x21 = GPR(21), x22 = GPR(22), x23 = GPR(23)
    public static let x24 = GPR(24), x25 = GPR(25), x26 = GPR(26), x27 = GPR(27)
    public static let x28 = GPR(28), x29 = GPR(29), x30 = GPR(30)
    /// The zero register (XZR, or WZR in a 32-bit operation): reads as 0, writes are discarded.
    public static let zr = GPR(31)
    /// The stack pointer.
    public static let sp = GPR(32)
    /// The frame pointer (X29) and the link register (X30) of the procedure call standard.
    public static let fp = GPR(29), lr = GPR(30)

    /// The 5-bit field value (31 for both SP and the zero register).
    @inlinable var enc: UInt32 { UInt32(min(index, 31)) }
    @inlinable public var isSP: Bool { index == 32 }
    @inlinable public var isZR: Bool { index == 31 }
}

/// A SIMD&FP register V0-V31, used in its scalar views (S for f32, D for f64, and B/H
/// for the popcount sequence); the view is an operand of each instruction.
public struct FPR: Hashable, Sendable {
    public let index: UInt8
    @inlinable public init(_ index: UInt8) {
        precondition(index < 32, "no such register")
        self.index = index
    }

    public static let v0 = FPR(0), v1 = FPR(1), v2 = FPR(2), v3 = FPR(3)
    public static let v4 = FPR(4), v5 = FPR(5), v6 = FPR(6), v7 = FPR(7)
    public static let v8 = FPR(8), v9 = FPR(9), v10 = FPR(10), v11 = FPR(11)
    public static let v12 = FPR(12), v13 = FPR(13), v14 = FPR(14), v15 = FPR(15)
    public static let v16 = FPR(16), v17 = FPR(17), v18 = FPR(18), v19 = FPR(19)
    public static let v20 = FPR(20), v21 = FPR(21), v22 = FPR(22), v23 = FPR(23)
    public static let v24 = FPR(24), v25 = FPR(25), v26 = FPR(26), v27 = FPR(27)
    public static let v28 = FPR(28), v29 = FPR(29), v30 = FPR(30), v31 = FPR(31)

    @inlinable var enc: UInt32 { UInt32(index) }
}

/// Operand width of a general-purpose instruction: the W (32-bit) or X (64-bit) view of
/// the registers, the manual's `sf` bit.
public enum Width: Sendable {
    case w, x
    @inlinable var sf: UInt32 { self == .x ? 1 : 0 }
    @inlinable var bits: UInt32 { self == .x ? 64 : 32 }
}

/// Floating-point precision of a scalar instruction: S (f32) or D (f64), the manual's
/// `ftype` field (00 / 01).
public enum Precision: Sendable {
    case s, d
    @inlinable var ftype: UInt32 { self == .d ? 1 : 0 }
}

/// Condition codes in the manual's numbering (the `cond` field of `b.cond`, `csel`, ...).
public enum Condition: UInt8, Sendable, CaseIterable {
    case eq = 0, ne, hs, lo, mi, pl, vs, vc, hi, ls, ge, lt, gt, le, al, nv

    /// The condition that holds exactly when this one does not (`al`/`nv` excluded).
    @inlinable public var inverted: Condition { Condition(rawValue: rawValue ^ 1)! }
}

/// The shift applied to the last register operand of a shifted-register form (the
/// `shift` field); `ror` exists only for the logical instructions.
public enum Shift: UInt8, Sendable {
    case lsl = 0, lsr, asr, ror
}

/// The extension applied to the last register operand of an extended-register
/// add/sub (the `option` field): byte, halfword, word or doubleword, zero or sign.
public enum Extend: UInt8, Sendable {
    case uxtb = 0, uxth, uxtw, uxtx, sxtb, sxth, sxtw, sxtx
}

/// How the index register of a register-offset load or store is extended: a 32-bit
/// index zero- or sign-extended (`uxtw`/`sxtw`, a W register) or a 64-bit one
/// (`lsl`/`sxtx`, an X register). The raw value is the `option` field.
public enum IndexExtend: UInt8, Sendable {
    case uxtw = 0b010, lsl = 0b011, sxtw = 0b110, sxtx = 0b111
}

/// The memory operand of a load or store. The offset is in bytes; which range and
/// alignment it may have depends on the instruction (a scaled unsigned 12-bit field
/// for `ldr`/`str`, a signed 9-bit one for the indexed forms, a signed scaled 7-bit one
/// for `ldp`/`stp`), and each encoder checks it.
public enum Address: Hashable, Sendable {
    /// `[base, #offset]`
    case offset(GPR, Int)
    /// `[base, #offset]!`: the base is updated before the access.
    case preIndex(GPR, Int)
    /// `[base], #offset`: the base is updated after the access.
    case postIndex(GPR, Int)
    /// `[base, index{, extend {#amount}}]`; `scaled` shifts the index left by the log2
    /// of the access size.
    case register(GPR, GPR, IndexExtend, scaled: Bool)
}

/// The barrier domain of `dmb` (the `CRm` field).
public enum BarrierOption: UInt8, Sendable {
    case ishld = 0b1001, ishst = 0b1010, ish = 0b1011, sy = 0b1111
}
