import KilnABI

/// A machine register named target-independently: an index into the backend's
/// register file plus its class. Room for 32 registers per class (AArch64 has 31
/// general-purpose and 32 SIMD/float registers): 0-31 are general-purpose, 32-63 float.
/// Each ISA maps the number within the class to its encoding (x86-64: 0-15 = rax..r15,
/// xmm0..xmm15).
public struct Reg: Hashable, Sendable {
    public let raw: UInt8
    @inlinable public init(raw: UInt8) { self.raw = raw }
    @inlinable public static func gpr(_ n: UInt8) -> Reg { Reg(raw: n) }
    @inlinable public static func fpr(_ n: UInt8) -> Reg { Reg(raw: n + 32) }
    @inlinable public var isFloat: Bool { raw >= 32 }
    /// The hardware number within its class.
    @inlinable public var number: UInt8 { raw & 31 }
}

/// A set of registers as a bitmask over ``Reg/raw``.
public struct RegSet: Sendable, Equatable {
    public var bits: UInt64
    @inlinable public init(bits: UInt64 = 0) { self.bits = bits }
    @inlinable public init(_ regs: [Reg]) {
        bits = 0
        for r in regs { bits |= 1 << UInt64(r.raw) }
    }
    @inlinable public func contains(_ r: Reg) -> Bool { bits & (1 << UInt64(r.raw)) != 0 }
    @inlinable public mutating func insert(_ r: Reg) { bits |= 1 << UInt64(r.raw) }
    @inlinable public mutating func remove(_ r: Reg) { bits &= ~(1 << UInt64(r.raw)) }
    @inlinable public var isEmpty: Bool { bits == 0 }
    /// The lowest register of the set, if any.
    @inlinable public var first: Reg? { bits == 0 ? nil : Reg(raw: UInt8(bits.trailingZeroBitCount)) }
}

/// Operand width of an integer operation.
public enum OperandSize: Sendable { case s32, s64 }

/// Integer comparisons, in wasm terms.
public enum IntCmpKind: Sendable {
    case eq, ne, ltS, ltU, gtS, gtU, leS, leU, geS, geU
    public var negated: IntCmpKind {
        switch self {
        case .eq: return .ne
        case .ne: return .eq
        case .ltS: return .geS
        case .ltU: return .geU
        case .gtS: return .leS
        case .gtU: return .leU
        case .leS: return .gtS
        case .leU: return .gtU
        case .geS: return .ltS
        case .geU: return .ltU
        }
    }
}

/// Float comparisons, in wasm terms (all false on NaN except `ne`).
public enum FloatCmpKind: Sendable { case eq, ne, lt, gt, le, ge }

/// Float precision.
public enum FloatSize: Sendable { case f32, f64 }

/// A comparison: the kind plus the width, ready to be branched on, set or selected on.
public enum Comparison: Sendable {
    case int(IntCmpKind, OperandSize)
    case float(FloatCmpKind, FloatSize)
}

public enum IntBinOp: Sendable {
    case add, sub, mul, and, or, xor, shl, shrS, shrU, rotl, rotr

    @inlinable public var isCommutative: Bool {
        switch self {
        case .add, .mul, .and, .or, .xor: return true
        default: return false
        }
    }
}
public enum IntUnOp: Sendable { case clz, ctz, popcnt }
/// What an immediate operand is for, so the backend can say whether it encodes one.
public enum ImmediateUse: Sendable {
    case binary(IntBinOp)
    case compare
}
public enum DivRemKind: Sendable { case divS, divU, remS, remU }
public enum ExtendKind: Sendable {
    case i32Extend8S, i32Extend16S, i64Extend8S, i64Extend16S, i64Extend32S, i64ExtendI32S, i64ExtendI32U, i32WrapI64
}
public enum FloatBinOp: Sendable { case add, sub, mul, div, min, max, copysign }
public enum FloatUnOp: Sendable { case abs, neg, sqrt, ceil, floor, trunc, nearest }
/// Conversions between and within the numeric classes.
public enum ConvertKind: Sendable {
    /// float -> int, trapping (`sat == false`) or saturating.
    case truncate(from: FloatSize, to: OperandSize, signed: Bool, saturating: Bool)
    /// int -> float.
    case convert(from: OperandSize, to: FloatSize, signed: Bool)
    case demote, promote
}

/// A memory access width and extension.
public enum LoadKind: Sendable {
    case i32, i64, f32, f64
    case i32_8S, i32_8U, i32_16S, i32_16U
    case i64_8S, i64_8U, i64_16S, i64_16U, i64_32S, i64_32U
}
public enum StoreKind: Sendable { case i32, i64, f32, f64, b8, b16, b32 }

/// A right-hand operand: a register or an immediate that fits a sign-extended 32 bits.
public enum RegImm: Sendable {
    case reg(Reg)
    case imm(Int32)

    @inlinable public func isRegister(_ r: Reg) -> Bool {
        if case .reg(let x) = self { return x == r }
        return false
    }
}

/// A code position that branches can target before it is known.
public struct Label: Hashable, Sendable {
    public let id: Int32
    @inlinable public init(id: Int32) { self.id = id }
}

/// Where one parameter or result lives under the internal calling convention.
public enum ArgLocation: Sendable, Equatable {
    case reg(Reg)
    /// The k-th 8-byte stack slot of the stack-argument area (parameters) or of the
    /// caller-provided result buffer (results).
    case stack(Int)
}

/// The internal calling convention of a target (docs/abi.md), as the lowering needs it.
public protocol CallingConvention {
    /// Caller-saved registers the value stack may hold values in.
    static var allocatableGPRs: RegSet { get }
    static var allocatableFPRs: RegSet { get }
    /// Callee-saved registers for register-allocated integer locals: a function saves the
    /// ones it uses in its prologue and restores them before returning.
    static var calleeSavedLocalGPRs: [Reg] { get }
    /// Caller-saved registers a function may also give to integer locals, saved around
    /// the calls it makes: value registers (taken from ``allocatableGPRs``) or registers
    /// the value stack never uses (x86-64's r14, which only a call sequence writes, after
    /// the locals are saved). Never argument registers of the function itself, nor
    /// fixed-use registers (division, shift count).
    static var callerSavedLocalGPRs: [Reg] { get }
    /// Caller-saved float registers (a subset of ``allocatableFPRs``) for float locals.
    static var localFPRs: [Reg] { get }
    /// Where each parameter is passed, in order. An i32 in a register is zero-extended
    /// to 64 bits (see ``MacroAssembler``), as are i32 results in registers.
    static func parameterLocations(_ params: [ValueKind]) -> [ArgLocation]
    /// Where each result is returned, in order: all in registers, or (when they do not
    /// fit) all in the caller's result buffer.
    static func resultLocations(_ results: [ValueKind]) -> [ArgLocation]
    /// The 8-byte slots of the stack-argument area of a call with `stackParameters`
    /// stack arguments, which the callee pops: what keeps the stack pointer aligned at
    /// every entry whatever the argument counts of a tail call (x86-64: odd, to pair with
    /// the return address; AArch64: even, 0 without stack arguments; docs/abi.md).
    static func argumentSlots(_ stackParameters: Int) -> Int
    /// The register that carries the result buffer's address into the callee.
    static var resultBufferRegister: Reg { get }
    /// Fixed registers of integer division: dividend/quotient, remainder, and the set
    /// the divisor must avoid. `nil` when the ISA has a three-operand divide.
    static var divisionRegisters: (quotient: Reg, remainder: Reg)? { get }
    /// The register a variable shift count must be in, if the ISA fixes one.
    static var shiftCountRegister: Reg? { get }
    /// Argument registers of a builtin call (C ABI) after the vmctx, and its result.
    static var builtinArgumentRegisters: [Reg] { get }
    static var builtinResultRegister: Reg { get }
    /// A value register the `call_indirect` sequence uses as scratch while the arguments
    /// are placed (so no argument may be in it), if any.
    static var indirectCallScratch: Reg? { get }
    /// Where a branch to a `block`/`if` with one integer-class / float result carries it.
    static var blockResultGPR: Reg { get }
    static var blockResultFPR: Reg { get }
}

/// What a call or tail call transfers control to.
public enum CallTarget: Sendable {
    /// A function defined in this module (pc-relative, patched later).
    case direct(UInt32)
    /// An imported function: `{code, vmctx}` at this vmctx offset.
    case imported(vmctxOffset: Int)
    /// The funcref that ``MacroAssembler/loadFuncRefForCall(table:tableIndex:index:typeIdOffset:strategy:)``
    /// left in the call-sequence registers.
    case indirect
}

/// Where a table's `VMTableDefinition` is: inline in the vmctx (defined tables) or
/// behind a pointer in the vmctx (imported tables).
public struct TablePlace: Sendable {
    public var offset: Int
    public var indirect: Bool
    public init(offset: Int, indirect: Bool) {
        self.offset = offset
        self.indirect = indirect
    }
}

/// The target-specific half of the single-pass compiler, in the shape of Winch's
/// `MacroAssembler`: operations in wasm terms with three operands where the ISA allows
/// (the lowering always passes `dst == lhs`, which x86-64 needs), small enums for the
/// operation kinds, and scratch registers handed out only inside ``withScratch(_:_:)``.
/// The value stack, control frames and register allocation are the lowering's; flags
/// never live across two calls (compare and branch/set/select are one call).
///
/// **An i32 in a general-purpose register is zero-extended**: the upper 32 bits of the
/// 64-bit register are zero, always, in both tiers and across calls (docs/abi.md,
/// "Internal calling convention"). Every requirement that writes an i32 into a register
/// must keep it so: ``OperandSize/s32`` arithmetic, unary operations and division,
/// `i32WrapI64` and the other extends to i32, moves, constants and loads of kind
/// ``ValueKind/i32``, the 32-bit and narrower ``wasmLoad(_:dst:address:offset:)``s,
/// ``compareAndSet(_:dst:lhs:rhs:)``, ``compareAndSelect(_:lhs:rhs:dst:other:_:)`` of
/// i32 values, truncations to s32, ``reinterpret(dst:src:_:)`` to s32, ``tableSize(dst:table:)``
/// and ``memorySize(dst:)``. Both ISAs do this for free (an x86-64 32-bit destination
/// and an AArch64 W-register write clear the upper half). The lowering relies on it
/// without emitting anything: `i64.extend_i32_u` only changes the value's type, a memory
/// address (``wasmLoad(_:dst:address:offset:)``, ``wasmStore(_:src:address:offset:)``)
/// and a table index (``loadFuncRefForCall(table:tableIndex:index:typeIdOffset:strategy:)``)
/// are used as 64-bit registers as they are, and i32 arguments and results are passed
/// as they are (the optimizing tier passes i32 as a zero-extended i64, so a callee of
/// either tier may rely on it). The one producer outside this contract is a builtin (C
/// leaves the upper half of an i32 result unspecified): the lowering extends its result
/// with `i32WrapI64`.
extension CallingConvention {
    /// Gives each value the next free register of its class (integer-class values the
    /// next of `integerRegisters`, floats the next of the first `floatRegisterCount` float
    /// registers) and the rest consecutive stack slots in order, both classes sharing one
    /// sequence of slots: the rule both ISAs use for parameters and results.
    public static func assignLocations(
        _ kinds: [ValueKind], integerRegisters: [Reg], floatRegisterCount: Int
    ) -> [ArgLocation] {
        var ints = 0, floats = 0, stack = 0
        var out: [ArgLocation] = []
        out.reserveCapacity(kinds.count)
        for k in kinds {
            if k.isIntegerClass, ints < integerRegisters.count {
                out.append(.reg(integerRegisters[ints]))
                ints += 1
            } else if !k.isIntegerClass, floats < floatRegisterCount {
                out.append(.reg(.fpr(UInt8(floats))))
                floats += 1
            } else {
                out.append(.stack(stack))
                stack += 1
            }
        }
        return out
    }
}

public protocol MacroAssembler {
    associatedtype ABI: CallingConvention
    /// An address the target can load from / store to in one instruction.
    associatedtype Address

    /// The ISA this macro-assembler emits.
    static var isa: TargetISA { get }
    /// A code buffer of `capacity` bytes to start with (it grows as needed).
    init(capacity: Int)
    /// The starting capacity for a module of `wasmBytes` bytes of function bodies.
    static func codeCapacity(wasmBytes: Int) -> Int

    /// Current code offset.
    var offset: Int { get }
    /// The first internal inconsistency met while emitting (a Kiln bug, e.g. an operand
    /// in a register the instruction cannot take), if any. The function compiler turns it
    /// into `CompileError.internalError` after the instruction that caused it, so a bug
    /// is a compile error naming the function and offset, never a stopped process.
    var internalFailure: String? { get }

    // Module (driven by ``ModuleCompiler``)
    /// Pads the code with the ISA's filler (a trapping instruction) up to a multiple of
    /// `alignment`.
    mutating func alignCode(to alignment: Int)
    /// The trap sites and direct calls emitted so far (shared bookkeeping; the backend
    /// records into it as it emits).
    var records: CodeRecords { get }
    /// Makes the direct call whose target field is at `at` (a ``CodeRecords/directCalls``
    /// entry) reach the code at offset `target`.
    mutating func patchDirectCall(at: Int, to target: Int)
    /// Called before each function's prologue with the size of its wasm body in bytes, so
    /// a backend whose conditional branches reach less far than a large function's code
    /// can choose a longer form for that function (AArch64). No-op by default.
    mutating func beginFunction(bodyBytes: Int)
    /// The code emitted so far.
    var codeBytes: [UInt8] { get }
    /// The host->wasm entry trampoline of a signature (docs/abi.md).
    mutating func emitEntryTrampoline(_ signature: Signature)
    /// The wasm->host call stub of a signature (docs/abi.md).
    mutating func emitHostCallStub(_ signature: Signature)
    /// The lazy-init trampoline of the module's table images (docs/tables.md).
    mutating func emitLazyTrampoline()

    // Frame
    /// Emits the prologue: frame setup, then the stack-limit check unless `stackCheck`
    /// is false (a small leaf, see `FunctionCompiler.needsStackCheck`). The frame size
    /// is patched by ``finishFunction(frameSize:)`` when the function is done.
    mutating func prologue(stackCheck: Bool)
    /// Loads linear memory 0's base into `r` (a callee-saved register the lowering gave
    /// it) and addresses memory through it until the next ``prologue(stackCheck:)``.
    mutating func holdMemoryBase(in r: Reg)
    /// Ends the function: patches the frame size (`frameSize` bytes below the saved
    /// vmctx slot: locals, spill slots, outgoing arguments), emits the out-of-line trap
    /// instructions and resolves the function's label fixups.
    mutating func finishFunction(frameSize: Int)
    /// Tears the frame down and returns, popping `argumentBytes` of stack arguments
    /// (ABI v2: callee-popped).
    mutating func epilogueAndReturn(argumentBytes: Int)
    /// Frame slot `k` (8 bytes each, counted from the first slot below the saved vmctx).
    func frameSlot(_ k: Int) -> Address
    /// Incoming stack argument / return-area slot `k` (above the return address).
    func incomingSlot(_ k: Int) -> Address
    /// Outgoing stack argument / return-area slot `k` (at the bottom of the frame).
    func outgoingSlot(_ k: Int) -> Address
    /// A field of the current instance's vmctx.
    func vmctx(_ offset: Int) -> Address
    func address(_ base: Reg, _ offset: Int32) -> Address

    // Moves
    mutating func move(_ dst: Reg, _ src: Reg, _ kind: ValueKind)
    mutating func moveImm(_ dst: Reg, _ bits: UInt64, _ kind: ValueKind)
    mutating func load(_ dst: Reg, _ src: Address, _ kind: ValueKind)
    mutating func store(_ src: Reg, _ dst: Address, _ kind: ValueKind)
    mutating func storeImm(_ bits: UInt64, _ dst: Address, _ kind: ValueKind)
    /// Copies 8 bytes between two addresses.
    mutating func copy(_ dst: Address, _ src: Address)
    /// Runs `body` with a scratch register of the class that the lowering never
    /// allocates.
    mutating func withScratch<R>(_ float: Bool, _ body: (inout Self, Reg) -> R) -> R

    // Integer operations
    /// `dst == lhs` always works; `dst != lhs` (leaving `lhs` intact) only where
    /// ``supportsThreeOperand(_:_:)`` says so.
    mutating func intBinary(_ op: IntBinOp, _ size: OperandSize, dst: Reg, lhs: Reg, rhs: RegImm)
    /// Whether ``intBinary(_:_:dst:lhs:rhs:)`` takes `dst != lhs` for this operation.
    func supportsThreeOperand(_ op: IntBinOp, _ rhs: RegImm) -> Bool
    /// Whether the constant `value` (an i32 constant sign-extended from its 32 bits, or
    /// an i64 constant; the lowering asks only about values that fit an Int32) can be
    /// the right operand of `use` as an immediate (`RegImm.imm`); otherwise the lowering
    /// puts it in a register. Each ISA answers for its encodings (x86-64: a sign-extended
    /// imm32; AArch64 has 12-bit arithmetic and bitmask logical immediates). The lowering
    /// asks for every constant operand of a binary operation or comparison and for each
    /// case number of a `br_table`'s compare chain. It passes an immediate without asking
    /// only where every ISA has the form: comparisons with 0 (`eqz`, `ref.is_null`, the
    /// condition of `if`/`br_if`) and constant shift and rotate counts, taken modulo the
    /// width.
    func encodesImmediate(_ value: Int64, for use: ImmediateUse, _ size: OperandSize) -> Bool
    mutating func intUnary(_ op: IntUnOp, _ size: OperandSize, dst: Reg, src: Reg)
    /// Division and remainder with the spec's traps; operands in
    /// ``CallingConvention/divisionRegisters`` where the ISA needs them.
    mutating func divRem(_ kind: DivRemKind, _ size: OperandSize, dst: Reg, lhs: Reg, rhs: Reg)
    mutating func extend(_ kind: ExtendKind, dst: Reg, src: Reg)

    // Comparisons (flags never escape one call)
    mutating func compareAndBranch(_ cmp: Comparison, lhs: Reg, rhs: RegImm, ifTrue: Bool, to: Label)
    mutating func compareAndSet(_ cmp: Comparison, dst: Reg, lhs: Reg, rhs: RegImm)
    /// `dst = cmp(lhs, rhs) ? dst : other`.
    mutating func compareAndSelect(_ cmp: Comparison, lhs: Reg, rhs: RegImm, dst: Reg, other: Reg, _ kind: ValueKind)

    // Floats
    mutating func floatBinary(_ op: FloatBinOp, _ size: FloatSize, dst: Reg, lhs: Reg, rhs: Reg)
    mutating func floatUnary(_ op: FloatUnOp, _ size: FloatSize, dst: Reg, src: Reg)
    mutating func convert(_ kind: ConvertKind, dst: Reg, src: Reg)
    /// Bit-for-bit move between the register classes (`reinterpret`).
    mutating func reinterpret(dst: Reg, src: Reg, _ size: OperandSize)

    // Memory 0 (base in the vmctx, no bounds check: guard pages)
    mutating func wasmLoad(_ kind: LoadKind, dst: Reg, address: Reg?, offset: UInt64)
    mutating func wasmStore(_ kind: StoreKind, src: Reg, address: Reg?, offset: UInt64)
    mutating func memorySize(dst: Reg)

    // Control flow
    mutating func newLabel() -> Label
    mutating func bind(_ label: Label)
    mutating func jump(_ label: Label)
    /// Jumps to the label when the integer register is zero (`ifZero`) or not.
    mutating func branch(onZero: Bool, _ reg: Reg, _ size: OperandSize, to: Label)
    /// An inline trapping instruction.
    mutating func trap(_ kind: TrapKind)

    // Calls
    /// Calls `target` (arguments in place). The callee pops `argumentBytes` of stack
    /// arguments; the outgoing area is re-reserved afterwards. `resultBuffer`, when the
    /// results go to a buffer, is the outgoing slot where it starts (its address is
    /// passed in ``CallingConvention/resultBufferRegister``). `reloadVMContext` makes
    /// even a same-module call reload the vmctx register (needed once tail calls can
    /// return through another instance).
    mutating func call(_ target: CallTarget, argumentBytes: Int, resultBuffer: Int?, reloadVMContext: Bool)
    /// Where stack argument `k` of a tail call goes, for a callee with `calleeSlots`
    /// argument-area slots called from a function with `ownSlots`: straight into place
    /// when the callee's area is not larger, else a staging slot in the outgoing area
    /// (``tailCall(_:ownSlots:calleeSlots:)`` moves it).
    func tailArgumentSlot(_ k: Int, ownSlots: Int, calleeSlots: Int) -> Address
    /// Tears the frame down (keeping the top of the caller's argument area where it is,
    /// moving the return address below the callee's stack arguments) and jumps to
    /// `target`. Leaves ``CallingConvention/resultBufferRegister`` untouched.
    mutating func tailCall(_ target: CallTarget, ownSlots: Int, calleeSlots: Int)
    /// The `call_indirect` sequence up to the call (docs/tables.md): bounds check,
    /// slot load, null check, signature check against the expected type's id at
    /// `typeIdOffset` in the vmctx (one load), with the `checked` strategy's lazy-init
    /// branch. Leaves the funcref and slot address in
    /// the call-sequence registers; until the call, argument placement uses no
    /// register of that sequence. `index` is consumed.
    mutating func loadFuncRefForCall(table: TablePlace, tableIndex: UInt32, index: Reg, typeIdOffset: Int, strategy: TableInitStrategy)
    /// Calls a builtin through the vmctx (C ABI): the vmctx goes first, the other
    /// arguments are already in ``CallingConvention/builtinArgumentRegisters``.
    mutating func callBuiltin(_ builtin: Builtin)
    /// `dst = length` of the table.
    mutating func tableSize(dst: Reg, table: TablePlace)
}

extension MacroAssembler {
    public mutating func beginFunction(bodyBytes: Int) {}
}
