import AsmAArch64
import KilnABI
import KilnCodegen

/// A memory operand of the AArch64 backend: a base register and a byte offset. Any
/// offset is allowed; ``AArch64MacroAssembler`` picks the addressing form (scaled
/// unsigned 12-bit, unscaled signed 9-bit, or the offset in `x17` as a register index).
public struct MemOperand: Hashable, Sendable {
    public var base: GPR
    public var offset: Int
    @inlinable public init(_ base: GPR, _ offset: Int) {
        self.base = base
        self.offset = offset
    }
}

/// The AArch64 ``MacroAssembler``: wasm-level operations expressed with the AsmAArch64
/// encoders, following docs/abi.md ("Internal calling convention (AArch64)").
///
/// Frame (frame pointers chained, as both tiers do):
///
/// ```
///   [x29 + 16 + 8k]   incoming stack argument k (the caller's outgoing area)
///   [x29 + 8]         x30, the return address   } the frame record,
///   [x29]             the caller's x29          } pushed first
///   [x29 - 8]         the vmctx (x20 at entry), private to the baseline
///   [x29 - 16 - 8k]   frame slot k: locals, spills, saved callee-saved registers
///   ...
///   [sp + 8k]         outgoing stack argument / result-buffer slot k
/// ```
///
/// `sp` stays put between the prologue and the epilogue (the outgoing area is part of
/// the frame), so it is 16-byte aligned at every call. Not wired into the compiler yet:
/// operations it cannot emit yet record an ``internalFailure`` naming them ("not yet:
/// ...") instead of emitting nothing.
public struct AArch64MacroAssembler: MacroAssembler {
    public typealias ABI = AArch64CallingConvention
    public typealias Address = MemOperand

    public var asm: Assembler
    /// Trap sites, and the `bl`/`b` words to patch with a defined function's offset.
    public internal(set) var records = CodeRecords()

    // Per-function state.
    var labels = LabelTable()
    /// The two instruction words that ``finishFunction(frameSize:)`` turns into the
    /// frame's `sub sp, sp, #...`; nil outside a function (code without a prologue).
    var frameSizeAt: Int?
    /// The register holding memory 0's base in the current function, if one does.
    var memoryBase: GPR?
    /// `checked` strategy: out-of-line `tableLazyInit` calls (entry, return label,
    /// index register, table index), emitted after the body.
    var lazyInitPaths: [(entry: Label, back: Label, index: GPR, table: UInt32)] = []
    /// Whether this function's conditional branches take the long form (see
    /// ``beginFunction(bodyBytes:)``).
    var longBranches = false

    /// Wasm bodies above this many bytes get long conditional branches: `b.cond`, `cbz`
    /// and `cbnz` reach ±1 MiB, which a body of 8 KiB stays within unless each of its
    /// bytes became more than 128 bytes of code. Beyond that, a function that still
    /// outgrows a short branch fails to compile naming the branch, never runs wrong code.
    public static let longBranchBodyBytes = 8 * 1024

    /// See ``MacroAssembler/internalFailure``.
    public private(set) var internalFailure: String?

    public init(capacity: Int = 1 << 16) { asm = Assembler(capacity: capacity) }

    public static var isa: TargetISA { .aarch64 }

    /// Fixed-width instructions: about 4 bytes per instruction, a few per wasm byte.
    public static func codeCapacity(wasmBytes: Int) -> Int { max(4096, wasmBytes * 12) }

    /// Large functions branch conditionally in two instructions: the inverted condition
    /// over a `b` (±128 MiB), e.g. `b.hs 0x8; b far`.
    public mutating func beginFunction(bodyBytes: Int) {
        longBranches = bodyBytes > Self.longBranchBodyBytes
    }

    /// After a short branch over the next instruction was emitted (the inverted test, at
    /// `asm.offset - 4`): an unconditional `b` to `label`.
    private mutating func longBranchTail(to label: Label) {
        asm.b(offset: 0)
        labels.addFixup(at: asm.offset - 4, to: label, form: BranchForm.imm26.rawValue)
    }

    /// `cbz`/`cbnz` to a label, long or short.
    mutating func compareAndBranch(onZero: Bool, _ w: Width, _ reg: GPR, to label: Label) {
        if longBranches {
            if onZero { asm.cbnz(w, reg, offset: 8) } else { asm.cbz(w, reg, offset: 8) }
            longBranchTail(to: label)
            return
        }
        if onZero { asm.cbz(w, reg, offset: 0) } else { asm.cbnz(w, reg, offset: 0) }
        labels.addFixup(at: asm.offset - 4, to: label, form: BranchForm.imm19.rawValue)
    }

    /// Records a Kiln bug, or an operation this backend cannot emit yet, met while
    /// emitting (the first one); the function compiler reports it as an internal error.
    mutating func failInternally(_ what: String) {
        if internalFailure == nil { internalFailure = "aarch64: \(what)" }
    }

    /// An operation this backend does not emit yet: recorded as an internal failure, so a
    /// module that needs it fails to compile with its name instead of running wrong code.
    mutating func notYet(_ what: String) { failInternally("not yet: \(what)") }

    public var offset: Int { asm.offset }
    public var codeBytes: [UInt8] { asm.bytes }

    /// Pads with `udf #0` (permanently undefined: a stray jump into the padding traps).
    public mutating func alignCode(to alignment: Int) {
        while asm.offset % alignment != 0 { asm.udf(0) }
    }

    public mutating func patchDirectCall(at: Int, to target: Int) {
        do {
            try asm.patchBranch(at: at, to: target, form: .imm26)
        } catch {
            notYet("a direct call beyond bl's ±128 MiB (veneers)")
        }
    }

    // MARK: frame

    public mutating func prologue(stackCheck: Bool) {
        memoryBase = nil
        asm.stp(.x, .fp, .lr, .preIndex(.sp, -16))
        asm.mov(.x, .fp, .sp)
        // `sub sp, sp, #hi, lsl #12; sub sp, sp, #lo`, patched by finishFunction.
        frameSizeAt = asm.offset
        asm.nop()
        asm.nop()
        asm.stur(.x, .vmctx, .fp, offset: -8)
        guard stackCheck else { return }
        asm.ldr(.x, .scratch, .offset(.vmctx, VMContextLayout.storeContext))
        asm.ldr(.x, .scratch, .offset(.scratch, VMStoreContext.stackLimit))
        asm.cmp(.x, .sp, .scratch, extend: .uxtx)
        branch(.lo, labels.trapLabel(.callStackExhausted))
    }

    public mutating func holdMemoryBase(in r: Reg) {
        load(r, vmctx(VMContextLayout.memoryBase), .i64)
        memoryBase = r.x
    }

    /// The bytes below the frame record: the vmctx slot and `frameSize`, rounded up to
    /// 16 so sp stays aligned.
    static func frameBytes(_ frameSize: Int) -> Int { (8 + frameSize + 15) & ~15 }

    public mutating func finishFunction(frameSize: Int) {
        let bytes = Self.frameBytes(frameSize)
        if let frameSizeAt, bytes >> 24 != 0 {
            failInternally("a frame of \(bytes) bytes at \(frameSizeAt) (at most 16 MiB)")
        } else if let frameSizeAt {
            var words = Assembler(capacity: 8)
            if bytes >> 12 != 0 { words.sub(.x, .sp, .sp, imm: UInt32(bytes >> 12), lsl12: true) }
            if bytes & 0xFFF != 0 || bytes >> 12 == 0 { words.sub(.x, .sp, .sp, imm: UInt32(bytes & 0xFFF)) }
            // One sub when one is enough; the other word stays a nop.
            for i in 0..<(words.offset / 4) { asm.setWord(at: frameSizeAt + 4 * i, words.word(at: 4 * i)) }
        }
        frameSizeAt = nil
        // The C call clobbers the slot address in x18; the callee does not need it: the
        // builtin returns a real funcref (never a lazy one), whose code ignores x18. x20
        // and x22 survive it (AAPCS64 preserves x19-x28).
        for p in lazyInitPaths {
            bind(p.entry)
            asm.mov(.w, .x2, p.index)
            asm.materialize(.w, .x1, UInt64(p.table))
            asm.mov(.x, .x0, .vmctx)
            asm.ldr(.x, .scratch, operand(vmctx(VMContextLayout.builtin(.tableLazyInit)), size: 8))
            asm.blr(.scratch)
            asm.mov(.x, .funcRef, .x0)
            jump(p.back)
        }
        lazyInitPaths.removeAll(keepingCapacity: true)
        for (kind, label) in labels.usedTrapLabels {
            bind(label)
            trap(kind)
        }
        for f in labels.fixups {
            guard let target = labels.offset(of: f.label) else {
                failInternally("unbound label")
                continue
            }
            guard let form = BranchForm(rawValue: f.form) else {
                failInternally("unknown branch form \(f.form)")
                continue
            }
            do {
                try asm.patchBranch(at: f.at, to: target, form: form)
            } catch {
                failInternally("a branch beyond its field's reach (\(error)) in a function whose code outgrew the long-branch estimate (MacroAssembler.longBranchBodyBytes)")
            }
        }
        labels.reset()
    }

    public mutating func epilogueAndReturn(argumentBytes: Int) {
        asm.mov(.x, .sp, .fp)
        asm.ldp(.x, .fp, .lr, .postIndex(.sp, 16))
        if argumentBytes > 0 { adjustSP(by: argumentBytes) }
        asm.ret()
    }

    public func frameSlot(_ k: Int) -> MemOperand { MemOperand(.fp, -16 - 8 * k) }
    public func incomingSlot(_ k: Int) -> MemOperand { MemOperand(.fp, 16 + 8 * k) }
    public func outgoingSlot(_ k: Int) -> MemOperand { MemOperand(.sp, 8 * k) }
    public func vmctx(_ offset: Int) -> MemOperand { MemOperand(.vmctx, offset) }
    public func address(_ base: Reg, _ offset: Int32) -> MemOperand { MemOperand(base.x, Int(offset)) }

    /// `sp += bytes` (negative: `sp -= -bytes`), in one or two `add`/`sub` immediates.
    mutating func adjustSP(by bytes: Int) {
        addImmediate(.sp, .sp, bytes)
    }

    /// `rd = rn + value` (64-bit; rd and rn may be SP), in one or two immediates, or
    /// through `x17` when the value needs more than 24 bits.
    mutating func addImmediate(_ rd: GPR, _ rn: GPR, _ value: Int) {
        let magnitude = value.magnitude
        let sub = value < 0
        func emit(_ a: inout Assembler, _ d: GPR, _ n: GPR, _ imm: UInt, _ lsl12: Bool) {
            if sub {
                a.sub(.x, d, n, imm: UInt32(imm), lsl12: lsl12)
            } else {
                a.add(.x, d, n, imm: UInt32(imm), lsl12: lsl12)
            }
        }
        if magnitude < 4096 {
            if magnitude != 0 || rd != rn { emit(&asm, rd, rn, magnitude, false) }
        } else if magnitude >> 24 == 0 {
            emit(&asm, rd, rn, magnitude >> 12, true)
            if magnitude & 0xFFF != 0 { emit(&asm, rd, rd, magnitude & 0xFFF, false) }
        } else {
            asm.materialize(.x, .addressScratch, UInt64(magnitude))
            if sub {
                asm.sub(.x, rd, rn, .addressScratch, extend: .uxtx)
            } else {
                asm.add(.x, rd, rn, .addressScratch, extend: .uxtx)
            }
        }
    }

    // MARK: memory operands

    /// The encoder's operand for `m` accessed `size` bytes wide: the offset itself when
    /// one instruction can take it, else the offset materialized in `x17` as an index.
    mutating func operand(_ m: MemOperand, size: Int) -> AsmAArch64.Address {
        if Assembler.canEncodeLoadStoreOffset(m.offset, size: size) { return .offset(m.base, m.offset) }
        asm.materialize(.x, .addressScratch, UInt64(bitPattern: Int64(m.offset)))
        return .register(m.base, .addressScratch, .lsl, scaled: false)
    }

    // MARK: moves

    public mutating func move(_ dst: Reg, _ src: Reg, _ kind: ValueKind) {
        if dst == src { return }
        if dst.isFloat {
            asm.fmov(kind == .f32 ? .s : .d, dst.v, src.v)
        } else {
            asm.mov(kind == .i32 ? .w : .x, dst.x, src.x)
        }
    }

    public mutating func moveImm(_ dst: Reg, _ bits: UInt64, _ kind: ValueKind) {
        switch kind {
        case .f32, .f64:
            let p: Precision = kind == .f32 ? .s : .d
            let value = kind == .f32 ? bits & 0xFFFF_FFFF : bits
            let double = kind == .f32 ? Double(Float(bitPattern: UInt32(value))) : Double(bitPattern: value)
            if value == 0 {
                asm.moviZero(dst.v)
            } else if Assembler.fpImmediate(double) != nil {
                asm.fmov(p, dst.v, imm: double)
            } else {
                let w: Width = kind == .f32 ? .w : .x
                asm.materialize(w, .addressScratch, value)
                asm.fmov(dst.v, w, .addressScratch)
            }
        case .i32:
            asm.materialize(.w, dst.x, bits & 0xFFFF_FFFF)
        default:
            asm.materialize(.x, dst.x, bits)
        }
    }

    public mutating func load(_ dst: Reg, _ src: MemOperand, _ kind: ValueKind) {
        switch kind {
        case .i32: asm.ldr(.w, dst.x, operand(src, size: 4))
        case .f32: asm.ldr(.s, dst.v, operand(src, size: 4))
        case .f64: asm.ldr(.d, dst.v, operand(src, size: 8))
        default: asm.ldr(.x, dst.x, operand(src, size: 8))
        }
    }

    public mutating func store(_ src: Reg, _ dst: MemOperand, _ kind: ValueKind) {
        switch kind {
        case .i32: asm.str(.w, src.x, operand(dst, size: 4))
        case .f32: asm.str(.s, src.v, operand(dst, size: 4))
        case .f64: asm.str(.d, src.v, operand(dst, size: 8))
        default: asm.str(.x, src.x, operand(dst, size: 8))
        }
    }

    /// Zero is stored from the zero register; anything else goes through `x16`.
    public mutating func storeImm(_ bits: UInt64, _ dst: MemOperand, _ kind: ValueKind) {
        let narrow = kind == .i32 || kind == .f32
        let w: Width = narrow ? .w : .x
        let value = narrow ? bits & 0xFFFF_FFFF : bits
        var source = GPR.zr
        if value != 0 {
            asm.materialize(w, .scratch, value)
            source = .scratch
        }
        asm.str(w, source, operand(dst, size: narrow ? 4 : 8))
    }

    public mutating func copy(_ dst: MemOperand, _ src: MemOperand) {
        asm.ldr(.x, .scratch, operand(src, size: 8))
        asm.str(.x, .scratch, operand(dst, size: 8))
    }

    /// x16, or v31 for floats.
    public mutating func withScratch<R>(_ float: Bool, _ body: (inout AArch64MacroAssembler, Reg) -> R) -> R {
        body(&self, float ? .fpr(FPR.scratch.index) : .gpr(GPR.scratch.index))
    }

    // MARK: integer operations

    /// Every A64 integer operation has three operands.
    public func supportsThreeOperand(_ op: IntBinOp, _ rhs: RegImm) -> Bool { true }

    /// Whether `value` (or its negation, by flipping add and sub) is a 12-bit add/sub
    /// immediate, optionally shifted by 12.
    static func isAddSubImmediate(_ value: Int64) -> Bool {
        value != Int64.min && Assembler.canEncodeAddSubImmediate(UInt64(value.magnitude))
    }

    /// add/sub and compares take a 12-bit immediate (shifted by 12 or not, negated by
    /// flipping the operation); and/or/xor a bitmask immediate of the operation's width;
    /// shifts and rotates any count. Multiplication has no immediate form.
    public func encodesImmediate(_ value: Int64, for use: ImmediateUse, _ size: OperandSize) -> Bool {
        switch use {
        case .compare:
            return Self.isAddSubImmediate(value)
        case .binary(let op):
            switch op {
            case .add, .sub: return Self.isAddSubImmediate(value)
            case .and, .or, .xor:
                let w: Width = size == .s32 ? .w : .x
                let bits = size == .s32 ? UInt64(UInt32(truncatingIfNeeded: value)) : UInt64(bitPattern: value)
                return Assembler.canEncodeLogicalImmediate(bits, width: w)
            case .shl, .shrS, .shrU, .rotl, .rotr: return true
            case .mul: return false
            }
        }
    }

    public mutating func intBinary(_ op: IntBinOp, _ size: OperandSize, dst: Reg, lhs: Reg, rhs: RegImm) {
        let w: Width = size == .s32 ? .w : .x
        let d = dst.x, n = lhs.x
        switch rhs {
        case .reg(let r):
            let m = r.x
            switch op {
            case .add: asm.add(w, d, n, m)
            case .sub: asm.sub(w, d, n, m)
            case .mul: asm.mul(w, d, n, m)
            case .and: asm.and(w, d, n, m)
            case .or: asm.orr(w, d, n, m)
            case .xor: asm.eor(w, d, n, m)
            case .shl: asm.lsl(w, d, n, m)
            case .shrS: asm.asr(w, d, n, m)
            case .shrU: asm.lsr(w, d, n, m)
            case .rotr: asm.ror(w, d, n, m)
            case .rotl:
                // rotl by c is rotr by -c (the count is taken modulo the width).
                asm.neg(w, .addressScratch, m)
                asm.ror(w, d, n, .addressScratch)
            }
        case .imm(let i):
            let bits = size == .s32 ? UInt64(UInt32(bitPattern: i)) : UInt64(bitPattern: Int64(i))
            let mask = UInt8(size == .s32 ? 31 : 63)
            let count = UInt8(truncatingIfNeeded: i) & mask
            switch op {
            case .shl: asm.lsl(w, d, n, shift: count)
            case .shrS: asm.asr(w, d, n, shift: count)
            case .shrU: asm.lsr(w, d, n, shift: count)
            case .rotr: asm.ror(w, d, n, shift: count)
            case .rotl: asm.ror(w, d, n, shift: (mask &+ 1 &- count) & mask)
            case .add, .sub:
                guard Self.isAddSubImmediate(Int64(i)) else { return intBinaryThroughScratch(op, size, d, n, bits) }
                let magnitude = UInt32(Int64(i).magnitude)
                let subtract = (op == .sub) != (i < 0)
                let (imm, lsl12) = magnitude < 4096 ? (magnitude, false) : (magnitude >> 12, true)
                if subtract {
                    asm.sub(w, d, n, imm: imm, lsl12: lsl12)
                } else {
                    asm.add(w, d, n, imm: imm, lsl12: lsl12)
                }
            case .and, .or, .xor:
                guard Assembler.canEncodeLogicalImmediate(bits, width: w) else {
                    return intBinaryThroughScratch(op, size, d, n, bits)
                }
                switch op {
                case .and: asm.and(w, d, n, imm: bits)
                case .or: asm.orr(w, d, n, imm: bits)
                default: asm.eor(w, d, n, imm: bits)
                }
            case .mul:
                intBinaryThroughScratch(op, size, d, n, bits)
            }
        }
    }

    /// An immediate no form takes (the lowering asked ``encodesImmediate(_:for:_:)``, so
    /// only a caller that did not ask gets here): materialized in `x17` first.
    mutating func intBinaryThroughScratch(_ op: IntBinOp, _ size: OperandSize, _ d: GPR, _ n: GPR, _ bits: UInt64) {
        asm.materialize(size == .s32 ? .w : .x, .addressScratch, bits)
        intBinary(op, size, dst: .gpr(d.index), lhs: .gpr(n.index), rhs: .reg(.gpr(GPR.addressScratch.index)))
    }

    public mutating func intUnary(_ op: IntUnOp, _ size: OperandSize, dst: Reg, src: Reg) {
        let w: Width = size == .s32 ? .w : .x
        switch op {
        case .clz:
            asm.clz(w, dst.x, src.x)
        case .ctz:
            asm.rbit(w, dst.x, src.x)
            asm.clz(w, dst.x, dst.x)
        case .popcnt:
            // No scalar popcount before FEAT_CSSC: count the bytes' bits in a vector
            // register and add them up.
            asm.fmov(FPR.scratch, w, src.x)
            asm.cnt8B(FPR.scratch, FPR.scratch)
            asm.addv8B(FPR.scratch, FPR.scratch)
            asm.fmov(.w, dst.x, FPR.scratch)
        }
    }

    /// `sdiv`/`udiv` neither trap nor fault: division by zero is checked with `cbz`, and
    /// `INT_MIN / -1` (which `sdiv` answers with INT_MIN) with `cmn rhs, #1` followed by
    /// `ccmp lhs, #1` (which overflows only for INT_MIN). A remainder is
    /// `lhs - (lhs / rhs) * rhs` (`msub`), which is 0 for INT_MIN % -1 as wasm wants.
    public mutating func divRem(_ kind: DivRemKind, _ size: OperandSize, dst: Reg, lhs: Reg, rhs: Reg) {
        let w: Width = size == .s32 ? .w : .x
        let d = dst.x, n = lhs.x, m = rhs.x
        compareAndBranch(onZero: true, w, m, to: labels.trapLabel(.integerDivideByZero))
        switch kind {
        case .divU:
            asm.udiv(w, d, n, m)
        case .divS:
            asm.cmn(w, m, imm: 1)
            asm.ccmp(w, n, imm: 1, nzcv: 0, .eq)
            branch(.vs, labels.trapLabel(.integerOverflow))
            asm.sdiv(w, d, n, m)
        case .remU:
            asm.udiv(w, .addressScratch, n, m)
            asm.msub(w, d, .addressScratch, m, n)
        case .remS:
            asm.sdiv(w, .addressScratch, n, m)
            asm.msub(w, d, .addressScratch, m, n)
        }
    }

    public mutating func extend(_ kind: ExtendKind, dst: Reg, src: Reg) {
        let d = dst.x, s = src.x
        switch kind {
        case .i32Extend8S: asm.sxtb(.w, d, s)
        case .i32Extend16S: asm.sxth(.w, d, s)
        case .i64Extend8S: asm.sxtb(.x, d, s)
        case .i64Extend16S: asm.sxth(.x, d, s)
        case .i64Extend32S, .i64ExtendI32S: asm.sxtw(d, s)
        case .i64ExtendI32U, .i32WrapI64: asm.mov(.w, d, s)
        }
    }

    // MARK: comparisons

    static func condition(_ k: IntCmpKind) -> Condition {
        switch k {
        case .eq: return .eq
        case .ne: return .ne
        case .ltS: return .lt
        case .ltU: return .lo
        case .gtS: return .gt
        case .gtU: return .hi
        case .leS: return .le
        case .leU: return .ls
        case .geS: return .ge
        case .geU: return .hs
        }
    }

    /// After `fcmp`, an unordered pair sets C and V: `mi` (less), `gt`, `ls` (less or
    /// equal) and `ge` are false for it and `ne` true, as wasm wants; each inverted
    /// condition is the exact negation, NaNs included.
    static func condition(_ k: FloatCmpKind) -> Condition {
        switch k {
        case .eq: return .eq
        case .ne: return .ne
        case .lt: return .mi
        case .gt: return .gt
        case .le: return .ls
        case .ge: return .ge
        }
    }

    /// Sets the flags for `cmp` and returns the condition that holds when it is true; nil
    /// (after recording the failure) for a float compared with an immediate.
    mutating func setFlags(_ cmp: Comparison, _ lhs: Reg, _ rhs: RegImm) -> Condition? {
        switch cmp {
        case .int(let k, let size):
            let w: Width = size == .s32 ? .w : .x
            switch rhs {
            case .reg(let r):
                asm.cmp(w, lhs.x, r.x)
            case .imm(let i) where Self.isAddSubImmediate(Int64(i)):
                let magnitude = UInt32(Int64(i).magnitude)
                let (imm, lsl12) = magnitude < 4096 ? (magnitude, false) : (magnitude >> 12, true)
                if i < 0 {
                    asm.cmn(w, lhs.x, imm: imm, lsl12: lsl12)
                } else {
                    asm.cmp(w, lhs.x, imm: imm, lsl12: lsl12)
                }
            case .imm(let i):
                asm.materialize(w, .addressScratch, size == .s32 ? UInt64(UInt32(bitPattern: i)) : UInt64(bitPattern: Int64(i)))
                asm.cmp(w, lhs.x, .addressScratch)
            }
            return Self.condition(k)
        case .float(let k, let size):
            guard case .reg(let r) = rhs else {
                failInternally("float compare with immediate")
                return nil
            }
            asm.fcmp(size == .f32 ? .s : .d, lhs.v, r.v)
            return Self.condition(k)
        }
    }

    public mutating func compareAndBranch(_ cmp: Comparison, lhs: Reg, rhs: RegImm, ifTrue: Bool, to label: Label) {
        // Equality with zero needs no flags.
        if case .int(let k, let size) = cmp, case .imm(0) = rhs, k == .eq || k == .ne {
            branch(onZero: (k == .eq) == ifTrue, lhs, size, to: label)
            return
        }
        guard let c = setFlags(cmp, lhs, rhs) else { return }
        branch(ifTrue ? c : c.inverted, label)
    }

    public mutating func compareAndSet(_ cmp: Comparison, dst: Reg, lhs: Reg, rhs: RegImm) {
        guard let c = setFlags(cmp, lhs, rhs) else { return }
        asm.cset(.w, dst.x, c)
    }

    public mutating func compareAndSelect(_ cmp: Comparison, lhs: Reg, rhs: RegImm, dst: Reg, other: Reg, _ kind: ValueKind) {
        guard let c = setFlags(cmp, lhs, rhs) else { return }
        switch kind {
        case .f32: asm.fcsel(.s, dst.v, dst.v, other.v, c)
        case .f64: asm.fcsel(.d, dst.v, dst.v, other.v, c)
        case .i32: asm.csel(.w, dst.x, dst.x, other.x, c)
        default: asm.csel(.x, dst.x, dst.x, other.x, c)
        }
    }

    // MARK: labels and traps

    public mutating func newLabel() -> Label { labels.newLabel() }

    public mutating func bind(_ label: Label) { labels.bind(label, at: asm.offset) }

    public mutating func jump(_ label: Label) {
        asm.b(offset: 0)
        labels.addFixup(at: asm.offset - 4, to: label, form: BranchForm.imm26.rawValue)
    }

    /// `b.cond` to a label (±1 MiB; in a large function `b.!cond` over a `b`).
    mutating func branch(_ cond: Condition, _ label: Label) {
        if longBranches {
            asm.b(cond.inverted, offset: 8)
            longBranchTail(to: label)
            return
        }
        asm.b(cond, offset: 0)
        labels.addFixup(at: asm.offset - 4, to: label, form: BranchForm.imm19.rawValue)
    }

    public mutating func branch(onZero: Bool, _ reg: Reg, _ size: OperandSize, to label: Label) {
        compareAndBranch(onZero: onZero, size == .s32 ? .w : .x, reg.x, to: label)
    }

    /// `udf #kind`: the trap table says which trap it is; the immediate only helps a
    /// human reading a disassembly.
    public mutating func trap(_ kind: TrapKind) {
        records.trapSite(at: asm.offset, kind)
        asm.udf(UInt16(kind.rawValue))
    }

    // MARK: calls

    public mutating func call(_ target: CallTarget, argumentBytes: Int, resultBuffer: Int?, reloadVMContext: Bool) {
        // ABI 5: the buffer's address goes in x8 (`sret`).
        if let resultBuffer { addImmediate(.x8, .sp, 8 * resultBuffer) }
        transfer(to: target, link: true)
        // The callee popped its stack arguments; re-reserve the outgoing area.
        if argumentBytes > 0 { adjustSP(by: -argumentBytes) }
        if case .direct = target, !reloadVMContext { return }
        asm.ldur(.x, .vmctx, .fp, offset: -8)
    }

    public func tailArgumentSlot(_ k: Int, ownSlots: Int, calleeSlots: Int) -> MemOperand {
        if calleeSlots <= ownSlots { return incomingSlot(ownSlots - calleeSlots + k) }
        return outgoingSlot(k)
    }

    /// The frame teardown of a tail call (docs/abi.md, "Internal calling convention
    /// (AArch64)"). With `d` = ownSlots - calleeSlots (even), the callee's entry sp is
    /// `x29 + 16 + 8d`: the top of the argument area stays where the first caller put
    /// it. The return address is in x30, so only sp moves. A larger callee area overlaps
    /// this frame (possibly the frame record itself): the record is read first (the
    /// caller's x29 into v30), then the staged arguments are copied highest first
    /// through v31 (each destination lies above its source).
    public mutating func tailCall(_ target: CallTarget, ownSlots: Int, calleeSlots: Int) {
        let d = ownSlots - calleeSlots
        if d >= 0 {
            asm.mov(.x, .sp, .fp)
            asm.ldp(.x, .fp, .lr, .postIndex(.sp, 16))
            if d > 0 { adjustSP(by: 8 * d) }
        } else {
            asm.ldr(.d, FPR.scratch2, .offset(.fp, 0))
            asm.ldr(.x, .lr, .offset(.fp, 8))
            addImmediate(.scratch, .fp, 16 + 8 * d)
            for k in (0..<calleeSlots).reversed() {
                asm.ldr(.d, FPR.scratch, operand(outgoingSlot(k), size: 8))
                asm.str(.d, FPR.scratch, operand(MemOperand(.scratch, 8 * k), size: 8))
            }
            asm.mov(.x, .sp, .scratch)
            asm.fmov(.x, .fp, FPR.scratch2)
        }
        transfer(to: target, link: false)
    }

    /// Enters `target` with the callee's vmctx in x20: `bl`/`blr` for a call (`link`), `b`/`br`
    /// for a tail call. A direct one is recorded for patching with the function's offset.
    mutating func transfer(to target: CallTarget, link: Bool) {
        switch target {
        case .direct(let function):
            if link { asm.bl(offset: 0) } else { asm.b(offset: 0) }
            records.directCall(at: asm.offset - 4, to: function)
        case .imported(let offset):
            asm.ldr(.x, .scratch, operand(vmctx(offset + VMFunctionImport.code), size: 8))
            asm.ldr(.x, .vmctx, operand(vmctx(offset + VMFunctionImport.vmctx), size: 8))
        case .indirect:
            asm.ldr(.x, .vmctx, .offset(.funcRef, VMFuncRef.vmctx))
            asm.ldr(.x, .scratch, .offset(.funcRef, VMFuncRef.code))
        }
        if case .direct = target { return }
        if link { asm.blr(.scratch) } else { asm.br(.scratch) }
    }

    /// docs/tables.md's sequence: bounds check against the table's length, the slot
    /// address in x18 (`nest`), the funcref in x22, the null check (under `checked`, a
    /// zero slot first takes the out-of-line `tableLazyInit` call and a lazy tag is
    /// cleared), then the signature check against the vmctx's copy of the type's id. Uses x16 and the
    /// consumed index register; argument placement comes after and touches neither x18
    /// nor x22.
    public mutating func loadFuncRefForCall(
        table: TablePlace, tableIndex: UInt32, index: Reg, typeIdOffset: Int, strategy: TableInitStrategy
    ) {
        let idx = index.x
        if table.indirect {
            asm.ldr(.x, .slotAddress, operand(vmctx(table.offset), size: 8))
            asm.ldr(.x, .scratch, .offset(.slotAddress, VMTableDefinition.length))
            asm.cmp(.x, idx, .scratch)
            branch(.hs, labels.trapLabel(.undefinedElement))
            asm.ldr(.x, .slotAddress, .offset(.slotAddress, VMTableDefinition.base))
        } else {
            asm.ldr(.x, .scratch, operand(vmctx(table.offset + VMTableDefinition.length), size: 8))
            asm.cmp(.x, idx, .scratch)
            branch(.hs, labels.trapLabel(.undefinedElement))
            asm.ldr(.x, .slotAddress, operand(vmctx(table.offset + VMTableDefinition.base), size: 8))
        }
        asm.add(.x, .slotAddress, .slotAddress, idx, shift: .lsl, amount: 3)
        asm.ldr(.x, .funcRef, .offset(.slotAddress, 0))
        if strategy == .checked {
            // 0 = not initialized yet (slow path); otherwise clear the lazy tag.
            let slow = newLabel(), back = newLabel()
            compareAndBranch(onZero: true, .x, .funcRef, to: slow)
            bind(back)
            asm.and(.x, .funcRef, .funcRef, imm: ~1)
            lazyInitPaths.append((slow, back, idx, tableIndex))
            compareAndBranch(onZero: true, .x, .funcRef, to: labels.trapLabel(.uninitializedElement))
        }
        asm.ldr(.x, idx, operand(vmctx(typeIdOffset), size: 8))
        // Under `image` and `eager` a null slot is 0, and the type id's load from it faults
        // (page 0 is never mapped): the null check by fault, with no branch (docs/tables.md).
        if strategy != .checked { records.trapSite(at: asm.offset, .uninitializedElement) }
        asm.ldr(.x, .scratch, .offset(.funcRef, VMFuncRef.typeId))
        asm.cmp(.x, idx, .scratch)
        branch(.ne, labels.trapLabel(.indirectCallTypeMismatch))
    }

    /// AAPCS64: the vmctx in x0, the other arguments already in x1-x7.
    public mutating func callBuiltin(_ builtin: Builtin) {
        asm.mov(.x, .x0, .vmctx)
        asm.ldr(.x, .scratch, operand(vmctx(VMContextLayout.builtin(builtin)), size: 8))
        asm.blr(.scratch)
    }

    public mutating func tableSize(dst: Reg, table: TablePlace) {
        if table.indirect {
            load(dst, vmctx(table.offset), .i64)
            load(dst, MemOperand(dst.x, VMTableDefinition.length), .i32)
        } else {
            load(dst, vmctx(table.offset + VMTableDefinition.length), .i32)
        }
    }
}
