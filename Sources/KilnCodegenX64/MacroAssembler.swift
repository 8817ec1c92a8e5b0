import AsmX64
import KilnABI
import KilnCodegen

/// The x86-64 ``MacroAssembler``: wasm-level operations expressed with the AsmX64
/// encoders, following docs/abi.md (frame layout, vmctx in r13, trap sites).
public struct X64MacroAssembler: MacroAssembler {
    public typealias ABI = X64CallingConvention
    public typealias Address = Mem

    public var asm: Assembler
    /// Trap sites, and the `call`/`jmp rel32` fields to patch with a defined function's
    /// offset.
    public internal(set) var records = CodeRecords()

    // Per-function state.
    var labels = LabelTable()
    var frameSizeAt = 0
    /// The general-purpose scratch of `copy`, `storeImm`, float constants and
    /// ``withScratch(_:_:)``: r11 (the call_indirect sequence holds the funcref in r14
    /// and the slot address in r10, ABI 5).
    let tmp = GPR.r11
    /// The register holding memory 0's base in the current function, if one does.
    var memoryBase: GPR?
    /// `checked` strategy: out-of-line `tableLazyInit` calls (entry, return label,
    /// index register, table index), emitted after the body.
    var lazyInitPaths: [(entry: Label, back: Label, index: GPR, table: UInt32)] = []

    /// See ``MacroAssembler/internalFailure``.
    public private(set) var internalFailure: String?

    public init(capacity: Int = 1 << 16) { asm = Assembler(capacity: capacity) }

    public static var isa: TargetISA { .x86_64 }

    /// About six bytes of code per byte of wasm.
    public static func codeCapacity(wasmBytes: Int) -> Int { max(4096, wasmBytes * 6) }

    /// Records a Kiln bug met while emitting (the first one); the instruction is left
    /// incomplete and the function compiler reports the failure.
    mutating func failInternally(_ what: String) {
        if internalFailure == nil { internalFailure = "x86-64: \(what)" }
    }

    public var offset: Int { asm.offset }
    public var codeBytes: [UInt8] { asm.bytes }

    /// Pads with `int3`.
    public mutating func alignCode(to alignment: Int) {
        while asm.offset % alignment != 0 { asm.byte(0xCC) }
    }

    public mutating func patchDirectCall(at: Int, to target: Int) {
        asm.patch32(at: at, UInt32(bitPattern: Int32(target - (at + 4))))
    }

    // MARK: frame

    public mutating func prologue(stackCheck: Bool) {
        memoryBase = nil
        asm.push(.rbp)
        asm.mov(.q, .rbp, .rsp)
        asm.push(.vmctx)
        frameSizeAt = asm.subqPatchable(.rsp)
        guard stackCheck else { return }
        asm.mov(.q, .scratch, Mem(base: .vmctx, disp: Int32(VMContextLayout.storeContext)))
        asm.alu(.cmp, .q, .rsp, Mem(base: .scratch, disp: Int32(VMStoreContext.stackLimit)))
        trapIf(.b, .callStackExhausted)
    }

    public mutating func holdMemoryBase(in r: Reg) {
        asm.mov(.q, r.gpr, Mem(base: .vmctx, disp: Int32(VMContextLayout.memoryBase)))
        memoryBase = r.gpr
    }

    public mutating func finishFunction(frameSize: Int) {
        let n = (8 + frameSize + 15) / 16 * 16 - 8
        asm.patch32(at: frameSizeAt, UInt32(n))
        // The C call clobbers the slot address in r10; the callee does not need it: the
        // builtin returns a real funcref (never a lazy one), whose code ignores r10.
        for p in lazyInitPaths {
            bind(p.entry)
            asm.mov(.l, .rdx, p.index)
            asm.movl(.rsi, imm32: p.table)
            asm.mov(.q, .rdi, .vmctx)
            asm.call(Mem(base: .vmctx, disp: Int32(VMContextLayout.builtin(.tableLazyInit))))
            asm.mov(.q, .funcRef, .rax)
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
            asm.patch32(at: f.at, UInt32(bitPattern: Int32(target - (f.at + 4))))  // every fixup is a rel32
        }
        labels.reset()
    }

    public mutating func epilogueAndReturn(argumentBytes: Int) {
        asm.leave()
        if argumentBytes == 0 { asm.ret() } else { asm.ret(imm16: UInt16(argumentBytes)) }
    }

    public func frameSlot(_ k: Int) -> Mem { Mem(base: .rbp, disp: Int32(-16 - 8 * k)) }
    public func incomingSlot(_ k: Int) -> Mem { Mem(base: .rbp, disp: Int32(16 + 8 * k)) }
    public func outgoingSlot(_ k: Int) -> Mem { Mem(base: .rsp, disp: Int32(8 * k)) }
    public func vmctx(_ offset: Int) -> Mem { Mem(base: .vmctx, disp: Int32(offset)) }
    public func address(_ base: Reg, _ offset: Int32) -> Mem { Mem(base: base.gpr, disp: offset) }

    // MARK: moves

    public mutating func move(_ dst: Reg, _ src: Reg, _ kind: ValueKind) {
        if dst == src { return }
        if dst.isFloat {
            asm.movaps(dst.xmm, src.xmm)
        } else {
            asm.mov(kind == .i32 ? .l : .q, dst.gpr, src.gpr)
        }
    }

    public mutating func moveImm(_ dst: Reg, _ bits: UInt64, _ kind: ValueKind) {
        if dst.isFloat {
            if bits == 0 {
                asm.logic(.xor, .s, dst.xmm, dst.xmm)
            } else {
                gprImm(tmp, bits)
                asm.movToXMM(kind == .f32 ? .l : .q, dst.xmm, tmp)
            }
        } else {
            gprImm(dst.gpr, kind == .i32 ? bits & 0xFFFF_FFFF : bits)
        }
    }

    /// Loads an integer constant with the shortest form (no flags touched).
    mutating func gprImm(_ r: GPR, _ bits: UInt64) {
        if bits <= 0xFFFF_FFFF {
            asm.movl(r, imm32: UInt32(bits))
        } else if Int64(bitPattern: bits) >= Int64(Int32.min) && Int64(bitPattern: bits) < 0 {
            asm.movq(r, simm32: Int32(truncatingIfNeeded: Int64(bitPattern: bits)))
        } else {
            asm.movabsq(r, imm64: bits)
        }
    }

    public mutating func load(_ dst: Reg, _ src: Mem, _ kind: ValueKind) {
        switch kind {
        case .i32: asm.mov(.l, dst.gpr, src)
        case .f32: asm.movs(.s, dst.xmm, src)
        case .f64: asm.movs(.d, dst.xmm, src)
        default: asm.mov(.q, dst.gpr, src)
        }
    }

    public mutating func store(_ src: Reg, _ dst: Mem, _ kind: ValueKind) {
        switch kind {
        case .i32: asm.mov(.l, dst, src.gpr)
        case .f32: asm.movs(.s, dst, src.xmm)
        case .f64: asm.movs(.d, dst, src.xmm)
        default: asm.mov(.q, dst, src.gpr)
        }
    }

    public mutating func storeImm(_ bits: UInt64, _ dst: Mem, _ kind: ValueKind) {
        if kind == .i32 || kind == .f32 {
            asm.mov(.l, dst, imm32: Int32(truncatingIfNeeded: bits))
        } else if Int64(bitPattern: bits) >= Int64(Int32.min) && Int64(bitPattern: bits) <= Int64(Int32.max) {
            asm.mov(.q, dst, imm32: Int32(truncatingIfNeeded: Int64(bitPattern: bits)))
        } else {
            asm.movabsq(tmp, imm64: bits)
            asm.mov(.q, dst, tmp)
        }
    }

    public mutating func copy(_ dst: Mem, _ src: Mem) {
        asm.mov(.q, tmp, src)
        asm.mov(.q, dst, tmp)
    }

    public mutating func withScratch<R>(_ float: Bool, _ body: (inout X64MacroAssembler, Reg) -> R) -> R {
        body(&self, float ? .fpr(15) : .gpr(tmp.enc))
    }

    // MARK: integer operations

    /// `lea` adds (a register or an immediate, and subtracts an immediate), `imul`
    /// multiplies by an immediate.
    public func supportsThreeOperand(_ op: IntBinOp, _ rhs: RegImm) -> Bool {
        switch (op, rhs) {
        case (.add, _), (.mul, .imm): return true
        case (.sub, .imm(let i)): return i != Int32.min
        default: return false
        }
    }

    /// Every ALU and compare form takes a sign-extended imm32 (of the operation's width).
    public func encodesImmediate(_ value: Int64, for use: ImmediateUse, _ size: OperandSize) -> Bool {
        Int32(exactly: value) != nil
    }

    public mutating func intBinary(_ op: IntBinOp, _ size: OperandSize, dst: Reg, lhs: Reg, rhs: RegImm) {
        let w: Width = size == .s32 ? .l : .q
        let d = dst.gpr
        if dst != lhs {
            // The three-operand forms (see MacroAssembler.supportsThreeOperand).
            switch (op, rhs) {
            case (.add, .reg(let r)): asm.lea(w, d, Mem(base: lhs.gpr, index: r.gpr, scale: 1))
            case (.add, .imm(let i)): asm.lea(w, d, Mem(base: lhs.gpr, disp: i))
            case (.sub, .imm(let i)) where i != Int32.min: asm.lea(w, d, Mem(base: lhs.gpr, disp: -i))
            case (.mul, .imm(let i)): asm.imul(w, d, lhs.gpr, imm32: i)
            default: failInternally("\(op) is two-operand")
            }
            return
        }
        let alu: ALUOp
        switch op {
        case .add: alu = .add
        case .sub: alu = .sub
        case .and: alu = .and
        case .or: alu = .or
        case .xor: alu = .xor
        case .mul:
            switch rhs {
            case .reg(let r): asm.imul(w, d, r.gpr)
            case .imm(let i): asm.imul(w, d, d, imm32: i)
            }
            return
        case .shl, .shrS, .shrU, .rotl, .rotr:
            let s: ShiftOp = op == .shl ? .shl : op == .shrS ? .sar : op == .shrU ? .shr : op == .rotl ? .rol : .ror
            switch rhs {
            case .reg(let r):
                guard r == .gpr(1) else { return failInternally("variable shift count must be in rcx") }
                asm.shift(s, w, d)
            case .imm(let i):
                asm.shift(s, w, d, imm8: UInt8(truncatingIfNeeded: i) & (size == .s32 ? 31 : 63))
            }
            return
        }
        switch rhs {
        case .reg(let r): asm.alu(alu, w, d, r.gpr)
        case .imm(let i): asm.alu(alu, w, d, imm32: i)
        }
    }

    public mutating func intUnary(_ op: IntUnOp, _ size: OperandSize, dst: Reg, src: Reg) {
        let w: Width = size == .s32 ? .l : .q
        switch op {
        case .clz: asm.bitCount(.lzcnt, w, dst.gpr, src.gpr)
        case .ctz: asm.bitCount(.tzcnt, w, dst.gpr, src.gpr)
        case .popcnt: asm.bitCount(.popcnt, w, dst.gpr, src.gpr)
        }
    }

    public mutating func divRem(_ kind: DivRemKind, _ size: OperandSize, dst: Reg, lhs: Reg, rhs: Reg) {
        guard lhs == .gpr(0) && rhs != .gpr(0) && rhs != .gpr(2) else {
            return failInternally("division operands must be rax and a register other than rax/rdx")
        }
        let w: Width = size == .s32 ? .l : .q
        let r = rhs.gpr
        asm.test(w, r, r)
        trapIf(.e, .integerDivideByZero)
        switch kind {
        case .divU, .remU:
            asm.alu(.xor, .l, .rdx, .rdx)
            asm.unary(.div, w, r)
        case .divS:
            let ok = newLabel()
            asm.alu(.cmp, w, r, imm32: -1)
            jcc(.ne, ok)
            if size == .s32 {
                asm.alu(.cmp, .l, .rax, imm32: Int32.min)
            } else {
                asm.movabsq(.scratch, imm64: 1 << 63)
                asm.alu(.cmp, .q, .rax, .scratch)
            }
            trapIf(.e, .integerOverflow)
            bind(ok)
            if size == .s32 { asm.cltd() } else { asm.cqto() }
            asm.unary(.idiv, w, r)
        case .remS:
            let normal = newLabel(), done = newLabel()
            asm.alu(.cmp, w, r, imm32: -1)
            jcc(.ne, normal)
            asm.alu(.xor, .l, .rdx, .rdx)
            jump(done)
            bind(normal)
            if size == .s32 { asm.cltd() } else { asm.cqto() }
            asm.unary(.idiv, w, r)
            bind(done)
        }
    }

    public mutating func extend(_ kind: ExtendKind, dst: Reg, src: Reg) {
        let d = dst.gpr, s = src.gpr
        switch kind {
        case .i32Extend8S: asm.movx(.movsbl, d, s)
        case .i32Extend16S: asm.movx(.movswl, d, s)
        case .i64Extend8S: asm.movx(.movsbq, d, s)
        case .i64Extend16S: asm.movx(.movswq, d, s)
        case .i64Extend32S, .i64ExtendI32S: asm.movx(.movslq, d, s)
        case .i64ExtendI32U, .i32WrapI64: asm.mov(.l, d, s)
        }
    }

    // MARK: comparisons

    static func cc(_ k: IntCmpKind) -> CondCode {
        switch k {
        case .eq: return .e
        case .ne: return .ne
        case .ltS: return .l
        case .ltU: return .b
        case .gtS: return .g
        case .gtU: return .a
        case .leS: return .le
        case .leU: return .be
        case .geS: return .ge
        case .geU: return .ae
        }
    }

    mutating func intCompare(_ size: OperandSize, _ lhs: Reg, _ rhs: RegImm) {
        let w: Width = size == .s32 ? .l : .q
        switch rhs {
        case .imm(0): asm.test(w, lhs.gpr, lhs.gpr)
        case .imm(let i): asm.alu(.cmp, w, lhs.gpr, imm32: i)
        case .reg(let r): asm.alu(.cmp, w, lhs.gpr, r.gpr)
        }
    }

    /// `ucomis` with the operands ordered so that the wasm comparison is "above" /
    /// "above or equal" (false on unordered); eq/ne need the parity flag as well.
    mutating func floatCompare(_ k: FloatCmpKind, _ size: FloatSize, _ a: Reg, _ b: Reg) -> CondCode {
        let p: Precision = size == .f32 ? .s : .d
        switch k {
        case .eq, .ne:
            asm.ucomis(p, a.xmm, b.xmm)
            return k == .eq ? .e : .ne
        case .lt:
            asm.ucomis(p, b.xmm, a.xmm)
            return .a
        case .gt:
            asm.ucomis(p, a.xmm, b.xmm)
            return .a
        case .le:
            asm.ucomis(p, b.xmm, a.xmm)
            return .ae
        case .ge:
            asm.ucomis(p, a.xmm, b.xmm)
            return .ae
        }
    }

    public mutating func compareAndBranch(_ cmp: Comparison, lhs: Reg, rhs: RegImm, ifTrue: Bool, to label: Label) {
        switch cmp {
        case .int(let k, let size):
            intCompare(size, lhs, rhs)
            jcc(ifTrue ? Self.cc(k) : Self.cc(k).inverted, label)
        case .float(let k, let size):
            guard case .reg(let b) = rhs else { return failInternally("float compare with immediate") }
            let cc = floatCompare(k, size, lhs, b)
            // eq is true when ZF=1 and PF=0; ne when ZF=0 or PF=1.
            let jumpOnParity: Bool? = k == .eq ? !ifTrue : k == .ne ? ifTrue : nil
            switch jumpOnParity {
            case true?:
                jcc(.p, label)
                jcc(ifTrue ? cc : cc.inverted, label)
            case false?:
                asm.jcc(.p, rel32: 6)  // skip the following 6-byte jcc
                jcc(ifTrue ? cc : cc.inverted, label)
            case nil:
                jcc(ifTrue ? cc : cc.inverted, label)
            }
        }
    }

    public mutating func compareAndSet(_ cmp: Comparison, dst: Reg, lhs: Reg, rhs: RegImm) {
        let d = dst.gpr
        switch cmp {
        case .int(let k, let size):
            intCompare(size, lhs, rhs)
            asm.setcc(Self.cc(k), d)
            asm.movx(.movzbl, d, d)
        case .float(let k, let size):
            guard case .reg(let b) = rhs else { return failInternally("float compare with immediate") }
            let cc = floatCompare(k, size, lhs, b)
            asm.setcc(cc, d)
            asm.movx(.movzbl, d, d)
            if k == .eq || k == .ne {
                // Unordered (PF=1): eq is 0, ne is 1. A branch rather than a second setcc
                // into a scratch register: this also materializes call arguments between
                // the call_indirect sequence and its call, where r10 holds the slot
                // address.
                let ordered = newLabel()
                jcc(.np, ordered)
                if k == .eq { asm.alu(.xor, .l, d, d) } else { asm.movl(d, imm32: 1) }
                bind(ordered)
            }
        }
    }

    public mutating func compareAndSelect(_ cmp: Comparison, lhs: Reg, rhs: RegImm, dst: Reg, other: Reg, _ kind: ValueKind) {
        if case .int(let k, let size) = cmp, kind.isIntegerClass {
            intCompare(size, lhs, rhs)
            asm.cmov(Self.cc(k).inverted, kind == .i32 ? .l : .q, dst.gpr, other.gpr)
            return
        }
        let keep = newLabel()
        compareAndBranch(cmp, lhs: lhs, rhs: rhs, ifTrue: true, to: keep)
        move(dst, other, kind)
        bind(keep)
    }

    // MARK: labels and traps

    public mutating func newLabel() -> Label {
        labels.newLabel()
    }

    public mutating func bind(_ label: Label) { labels.bind(label, at: asm.offset) }

    public mutating func jump(_ label: Label) {
        labels.addFixup(at: asm.jmp(rel32: 0), to: label)
    }

    mutating func jcc(_ cc: CondCode, _ label: Label) {
        labels.addFixup(at: asm.jcc(cc, rel32: 0), to: label)
    }

    public mutating func branch(onZero: Bool, _ reg: Reg, _ size: OperandSize, to label: Label) {
        asm.test(size == .s32 ? .l : .q, reg.gpr, reg.gpr)
        jcc(onZero ? .e : .ne, label)
    }

    public mutating func trap(_ kind: TrapKind) {
        records.trapSite(at: asm.offset, kind)
        asm.ud2()
    }

    /// Jumps to the function's shared out-of-line `ud2` for `kind` when `cc` holds.
    mutating func trapIf(_ cc: CondCode, _ kind: TrapKind) {
        jcc(cc, labels.trapLabel(kind))
    }

    // MARK: calls

    public mutating func call(_ target: CallTarget, argumentBytes: Int, resultBuffer: Int?, reloadVMContext: Bool) {
        // ABI 5: the buffer's address goes in rax (`sret` of swifttailcc).
        if let resultBuffer { asm.leaq(.rax, outgoingSlot(resultBuffer)) }
        switch target {
        case .direct(let function):
            let at = asm.call(rel32: 0)
            records.directCall(at: at, to: function)
        case .imported(let offset):
            asm.mov(.q, .scratch, Mem(base: .vmctx, disp: Int32(offset + VMFunctionImport.code)))
            asm.mov(.q, .vmctx, Mem(base: .vmctx, disp: Int32(offset + VMFunctionImport.vmctx)))
            asm.call(.scratch)
        case .indirect:
            asm.mov(.q, .vmctx, Mem(base: .funcRef, disp: Int32(VMFuncRef.vmctx)))
            asm.call(Mem(base: .funcRef, disp: Int32(VMFuncRef.code)))
        }
        // ABI v2: the callee popped its stack arguments; re-reserve the outgoing area.
        if argumentBytes > 0 { asm.alu(.sub, .q, .rsp, imm32: Int32(argumentBytes)) }
        if case .direct = target, !reloadVMContext { return }
        asm.mov(.q, .vmctx, Mem(base: .rbp, disp: -8))
    }

    public func tailArgumentSlot(_ k: Int, ownSlots: Int, calleeSlots: Int) -> Mem {
        if calleeSlots <= ownSlots { return incomingSlot(ownSlots - calleeSlots + k) }
        return outgoingSlot(k)
    }

    /// The frame teardown of a tail call (docs/abi.md, "Tail calls"). With `d` =
    /// ownSlots - calleeSlots, the callee's entry `rsp` is `rbp + 8 + 8d`: the return
    /// address moves there. A larger callee area overlaps this frame, so its staged
    /// arguments are copied highest first (each destination lies above its source) after
    /// the return address and the caller's rbp are read into r11/xmm15 (never arguments,
    /// and not rax, which may carry the result buffer; the callee-saved registers already
    /// hold the caller's values again).
    public mutating func tailCall(_ target: CallTarget, ownSlots: Int, calleeSlots: Int) {
        let d = ownSlots - calleeSlots
        if d == 0 {
            asm.leave()
        } else if d > 0 {
            asm.mov(.q, .scratch, Mem(base: .rbp, disp: 8))
            asm.mov(.q, Mem(base: .rbp, disp: Int32(8 + 8 * d)), .scratch)
            asm.leave()
            asm.leaq(.rsp, Mem(base: .rsp, disp: Int32(8 * d)))
        } else {
            asm.mov(.q, .scratch, Mem(base: .rbp, disp: 8))
            asm.movs(.d, XMM.scratch, Mem(base: .rbp, disp: 0))
            for k in (0..<calleeSlots).reversed() {
                asm.movs(.d, XMM.scratch2, outgoingSlot(k))
                asm.movs(.d, Mem(base: .rbp, disp: Int32(16 + 8 * d + 8 * k)), XMM.scratch2)
            }
            asm.leaq(.rsp, Mem(base: .rbp, disp: Int32(8 + 8 * d)))
            asm.mov(.q, Mem(base: .rsp), .scratch)
            asm.movFromXMM(.q, .rbp, XMM.scratch)
        }
        switch target {
        case .direct(let function):
            let at = asm.jmp(rel32: 0)
            records.directCall(at: at, to: function)
        case .imported(let offset):
            asm.mov(.q, .scratch, Mem(base: .vmctx, disp: Int32(offset + VMFunctionImport.code)))
            asm.mov(.q, .vmctx, Mem(base: .vmctx, disp: Int32(offset + VMFunctionImport.vmctx)))
            asm.jmp(.scratch)
        case .indirect:
            asm.mov(.q, .vmctx, Mem(base: .funcRef, disp: Int32(VMFuncRef.vmctx)))
            asm.jmp(Mem(base: .funcRef, disp: Int32(VMFuncRef.code)))
        }
    }

    public mutating func loadFuncRefForCall(
        table: TablePlace, tableIndex: UInt32, index: Reg, typeIdOffset: Int, strategy: TableInitStrategy
    ) {
        let idx = index.gpr
        if table.indirect {
            asm.mov(.q, .slotAddress, Mem(base: .vmctx, disp: Int32(table.offset)))
            asm.alu(.cmp, .q, idx, Mem(base: .slotAddress, disp: Int32(VMTableDefinition.length)))
            trapIf(.ae, .undefinedElement)
            asm.mov(.q, .slotAddress, Mem(base: .slotAddress, disp: Int32(VMTableDefinition.base)))
        } else {
            asm.alu(.cmp, .q, idx, Mem(base: .vmctx, disp: Int32(table.offset + VMTableDefinition.length)))
            trapIf(.ae, .undefinedElement)
            asm.mov(.q, .slotAddress, Mem(base: .vmctx, disp: Int32(table.offset + VMTableDefinition.base)))
        }
        asm.leaq(.slotAddress, Mem(base: .slotAddress, index: idx, scale: 8))
        asm.mov(.q, .funcRef, Mem(base: .slotAddress))
        if strategy == .checked {
            // 0 = not initialized yet (slow path); otherwise untag. `and` sets ZF for the
            // null check.
            let slow = newLabel(), back = newLabel()
            asm.test(.q, .funcRef, .funcRef)
            jcc(.e, slow)
            bind(back)
            asm.alu(.and, .q, .funcRef, imm32: -2)
            lazyInitPaths.append((slow, back, idx, tableIndex))
            trapIf(.e, .uninitializedElement)
        }
        asm.mov(.q, idx, Mem(base: .vmctx, disp: Int32(typeIdOffset)))
        // Under `image` and `eager` a null slot is 0, and the type id's load from it faults
        // (page 0 is never mapped): the null check by fault, with no branch (docs/tables.md).
        if strategy != .checked { records.trapSite(at: asm.offset, .uninitializedElement) }
        asm.alu(.cmp, .q, idx, Mem(base: .funcRef, disp: Int32(VMFuncRef.typeId)))
        trapIf(.ne, .indirectCallTypeMismatch)
    }

    public mutating func callBuiltin(_ builtin: Builtin) {
        asm.mov(.q, .rdi, .vmctx)
        asm.call(Mem(base: .vmctx, disp: Int32(VMContextLayout.builtin(builtin))))
    }

    public mutating func tableSize(dst: Reg, table: TablePlace) {
        if table.indirect {
            asm.mov(.q, dst.gpr, Mem(base: .vmctx, disp: Int32(table.offset)))
            asm.mov(.l, dst.gpr, Mem(base: dst.gpr, disp: Int32(VMTableDefinition.length)))
        } else {
            asm.mov(.l, dst.gpr, Mem(base: .vmctx, disp: Int32(table.offset + VMTableDefinition.length)))
        }
    }
}
