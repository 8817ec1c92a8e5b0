/// A general-purpose register, by its hardware encoding (0 = rax ... 15 = r15).
public struct GPR: Hashable, Sendable {
    public let enc: UInt8
    @inlinable public init(_ enc: UInt8) { self.enc = enc }

    public static let rax = GPR(0), rcx = GPR(1), rdx = GPR(2), rbx = GPR(3)
    public static let rsp = GPR(4), rbp = GPR(5), rsi = GPR(6), rdi = GPR(7)
    public static let r8 = GPR(8), r9 = GPR(9), r10 = GPR(10), r11 = GPR(11)
    public static let r12 = GPR(12), r13 = GPR(13), r14 = GPR(14), r15 = GPR(15)

    @usableFromInline var low: UInt8 { enc & 7 }
    @usableFromInline var high: UInt8 { enc >> 3 }
}

/// An SSE register xmm0 ... xmm15.
public struct XMM: Hashable, Sendable {
    public let enc: UInt8
    @inlinable public init(_ enc: UInt8) { self.enc = enc }
}

/// A memory operand `[base + index*scale + disp]` (no RIP-relative form is needed yet).
public struct Mem: Hashable, Sendable {
    public var base: GPR
    public var index: GPR?
    /// 1, 2, 4 or 8.
    public var scale: UInt8
    public var disp: Int32
    @inlinable public init(base: GPR, index: GPR? = nil, scale: UInt8 = 1, disp: Int32 = 0) {
        self.base = base
        self.index = index
        self.scale = scale
        self.disp = disp
    }
}

/// Condition codes in the manual's `cc` numbering (the low nibble of `Jcc`/`SETcc`/`CMOVcc`).
public enum CondCode: UInt8, Sendable {
    case o = 0, no, b, ae, e, ne, be, a, s, ns, p, np, l, ge, le, g

    /// The condition that holds exactly when this one does not.
    @inlinable public var inverted: CondCode { CondCode(rawValue: rawValue ^ 1)! }
}

/// The eight classic two-operand ALU operations; the raw value is the `/digit` of the
/// `81 /digit` row (and the opcode row `digit*8 + 1` / `+ 3`).
public enum ALUOp: UInt8, Sendable {
    case add = 0, or = 1, and = 4, sub = 5, xor = 6, cmp = 7
}

/// Shift and rotate group (`D3 /digit`, `C1 /digit ib`).
public enum ShiftOp: UInt8, Sendable {
    case rol = 0, ror = 1, shl = 4, shr = 5, sar = 7
}

/// Operand width of a general-purpose instruction: the `l` / `q` suffix.
public enum Width: Sendable {
    case l, q
    @usableFromInline var w: Bool { self == .q }
}

/// SSE scalar precision: `ss` / `sd` (prefix F3 / F2; packed logic ops use none / 66).
public enum Precision: Sendable {
    case s, d
}
