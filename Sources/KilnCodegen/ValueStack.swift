import KilnABI

/// One entry of the compile-time value stack. Values stay symbolic as long as
/// possible (Winch's shape): constants fold into immediates, `local.get` is only read
/// when used, and a comparison stays pending until a `br_if`/`if`/`select` consumes it
/// (compare+branch fusion) or something else forces it into a register.
@usableFromInline enum StackValue: Sendable {
    case const(ValueKind, UInt64)
    case reg(ValueKind, Reg)
    case local(ValueKind, UInt32)
    /// In the home frame slot of its stack position.
    case mem(ValueKind)
    /// A pending i32 comparison result.
    case cond(Comparison, Reg, RegImm)

    @usableFromInline var kind: ValueKind {
        switch self {
        case .const(let k, _), .reg(let k, _), .local(let k, _), .mem(let k): return k
        case .cond: return .i32
        }
    }
}

/// What a `block`/`loop`/`if`/`else` (and the function body) remembers while its
/// body is compiled. Branch targets are merge points where every value below the
/// frame's height is in memory (or a constant) and the branch values sit in the home
/// slots just above it, or, for one result, in ``resultRegister``.
@usableFromInline struct ControlFrame: Sendable {
    @usableFromInline enum Kind: Sendable { case function, block, loop, `if`, `else` }
    @usableFromInline var kind: Kind
    /// Branch target: the loop head for `loop`, the end for everything else.
    @usableFromInline var label: Label
    /// `if` only: where the false arm starts.
    @usableFromInline var elseLabel: Label
    /// Value stack height below the block's parameters.
    @usableFromInline var height: Int
    @usableFromInline var type: BlockSignature
    /// Some branch targets this frame's label.
    @usableFromInline var branchedTo = false
    /// The `if` was reached (so its `else` arm is).
    @usableFromInline var entryReachable = true
    /// `else`: the then-arm fell through to the end.
    @usableFromInline var thenFellThrough = false
    /// A `block`/`if` with one result and no parameters: branches to its end carry the
    /// result in this register instead of a home slot.
    @usableFromInline var resultRegister: Reg?

    @inlinable init(kind: Kind, label: Label, elseLabel: Label, height: Int, type: BlockSignature) {
        self.kind = kind
        self.label = label
        self.elseLabel = elseLabel
        self.height = height
        self.type = type
    }

    /// The number of values a branch to this frame carries.
    @usableFromInline var branchArity: Int { kind == .loop ? type.paramCount : type.resultCount }
}

/// A block type without allocation: empty, one result, or a type index.
@usableFromInline struct BlockSignature: Sendable {
    @usableFromInline var paramCount: Int
    @usableFromInline var resultCount: Int
    @usableFromInline var singleResult: ValueKind?
    @usableFromInline var typeIndex: Int

    @inlinable init(paramCount: Int, resultCount: Int, singleResult: ValueKind?, typeIndex: Int) {
        self.paramCount = paramCount
        self.resultCount = resultCount
        self.singleResult = singleResult
        self.typeIndex = typeIndex
    }
}
