/// Branches, calls, returns, traps and barriers.
extension Assembler {
    /// `b label` (±128 MiB)
    public mutating func b(_ label: AsmLabel) { emitPCRelative(0x1400_0000, .imm26, label) }
    /// `b #offset` (bytes from this instruction)
    public mutating func b(offset: Int) { emitPCRelative(0x1400_0000, .imm26, offset: offset) }
    /// `bl label`
    public mutating func bl(_ label: AsmLabel) { emitPCRelative(0x9400_0000, .imm26, label) }
    /// `bl #offset`; with offset 0 a placeholder for a `R_AARCH64_CALL26` relocation.
    public mutating func bl(offset: Int) { emitPCRelative(0x9400_0000, .imm26, offset: offset) }
    /// `b.cond label` (±1 MiB)
    public mutating func b(_ cond: Condition, _ label: AsmLabel) {
        emitPCRelative(0x5400_0000 | UInt32(cond.rawValue), .imm19, label)
    }
    /// `b.cond #offset`
    public mutating func b(_ cond: Condition, offset: Int) {
        emitPCRelative(0x5400_0000 | UInt32(cond.rawValue), .imm19, offset: offset)
    }
    /// `cbz rt, label`: branch if rt is zero (±1 MiB).
    public mutating func cbz(_ w: Width, _ rt: GPR, _ label: AsmLabel) {
        emitPCRelative(w.sf << 31 | 0x3400_0000 | rt.rz, .imm19, label)
    }
    /// `cbz rt, #offset`
    public mutating func cbz(_ w: Width, _ rt: GPR, offset: Int) {
        emitPCRelative(w.sf << 31 | 0x3400_0000 | rt.rz, .imm19, offset: offset)
    }
    /// `cbnz rt, label`: branch if rt is not zero.
    public mutating func cbnz(_ w: Width, _ rt: GPR, _ label: AsmLabel) {
        emitPCRelative(w.sf << 31 | 0x3500_0000 | rt.rz, .imm19, label)
    }
    /// `cbnz rt, #offset`
    public mutating func cbnz(_ w: Width, _ rt: GPR, offset: Int) {
        emitPCRelative(w.sf << 31 | 0x3500_0000 | rt.rz, .imm19, offset: offset)
    }

    /// b5 011011 op b40 imm14 Rt; bits 0-31 test the W view, 32-63 the X view.
    @usableFromInline func testBranchWord(_ op: UInt32, _ rt: GPR, _ bit: UInt8) -> UInt32 {
        precondition(bit < 64, "bit number out of range")
        return UInt32(bit >> 5) << 31 | 0x3600_0000 | op << 24 | UInt32(bit & 31) << 19 | rt.rz
    }
    /// `tbz rt, #bit, label`: branch if the bit is zero (±32 KiB).
    public mutating func tbz(_ rt: GPR, bit: UInt8, _ label: AsmLabel) { emitPCRelative(testBranchWord(0, rt, bit), .imm14, label) }
    /// `tbz rt, #bit, #offset`
    public mutating func tbz(_ rt: GPR, bit: UInt8, offset: Int) { emitPCRelative(testBranchWord(0, rt, bit), .imm14, offset: offset) }
    /// `tbnz rt, #bit, label`: branch if the bit is one.
    public mutating func tbnz(_ rt: GPR, bit: UInt8, _ label: AsmLabel) { emitPCRelative(testBranchWord(1, rt, bit), .imm14, label) }
    /// `tbnz rt, #bit, #offset`
    public mutating func tbnz(_ rt: GPR, bit: UInt8, offset: Int) { emitPCRelative(testBranchWord(1, rt, bit), .imm14, offset: offset) }

    /// `br xn`: jump to the address in xn (tail calls through a register).
    public mutating func br(_ rn: GPR) { emit(0xD61F_0000 | rn.rz << 5) }
    /// `blr xn`: call the address in xn.
    public mutating func blr(_ rn: GPR) { emit(0xD63F_0000 | rn.rz << 5) }
    /// `ret {xn}` (x30 by default)
    public mutating func ret(_ rn: GPR = .lr) { emit(0xD65F_0000 | rn.rz << 5) }

    /// `udf #imm16`: permanently undefined; raises SIGILL (the trap instruction).
    public mutating func udf(_ imm16: UInt16) { emit(UInt32(imm16)) }
    /// `brk #imm16`: breakpoint; raises SIGTRAP.
    public mutating func brk(_ imm16: UInt16) { emit(0xD420_0000 | UInt32(imm16) << 5) }
    /// `nop`
    public mutating func nop() { emit(0xD503_201F) }
    /// `dmb option`: data memory barrier.
    public mutating func dmb(_ option: BarrierOption) { emit(0xD503_30BF | UInt32(option.rawValue) << 8) }
    /// `dsb option`: data synchronization barrier.
    public mutating func dsb(_ option: BarrierOption) { emit(0xD503_309F | UInt32(option.rawValue) << 8) }
    /// `isb`: instruction synchronization barrier (after patching code).
    public mutating func isb() { emit(0xD503_3FDF) }
    /// `mrs xt, tpidr_el0`: the thread pointer.
    public mutating func mrsTPIDR_EL0(_ rt: GPR) { emit(0xD53B_D040 | rt.rz) }
}
