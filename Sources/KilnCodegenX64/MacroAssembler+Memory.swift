import AsmX64
import KilnABI
import KilnCodegen

/// Linear memory 0: base cached at vmctx+0, no bounds checks (the 8 GiB reservation's
/// guard region faults; every access is a trap site).
extension X64MacroAssembler {
    /// The operand for `base + zext(address) + offset`, with the memory base in the
    /// register ``holdMemoryBase(in:)`` gave it, else loaded into r11.
    mutating func heapOperand(_ address: Reg?, _ offset: UInt64) -> Mem {
        let base: GPR
        if let memoryBase {
            base = memoryBase
        } else {
            asm.mov(.q, .scratch, Mem(base: .vmctx, disp: Int32(VMContextLayout.memoryBase)))
            base = .scratch
        }
        if offset <= UInt64(Int32.max) {
            return Mem(base: base, index: address?.gpr, scale: 1, disp: Int32(offset))
        }
        asm.movabsq(.scratch2, imm64: offset)
        if let address { asm.alu(.add, .q, .scratch2, address.gpr) }
        return Mem(base: base, index: .scratch2, scale: 1, disp: 0)
    }

    public mutating func wasmLoad(_ kind: LoadKind, dst: Reg, address: Reg?, offset: UInt64) {
        let m = heapOperand(address, offset)
        records.trapSite(at: asm.offset, .outOfBoundsMemoryAccess)
        switch kind {
        case .i32, .i64_32U: asm.mov(.l, dst.gpr, m)
        case .i64: asm.mov(.q, dst.gpr, m)
        case .f32: asm.movs(.s, dst.xmm, m)
        case .f64: asm.movs(.d, dst.xmm, m)
        case .i32_8S: asm.movx(.movsbl, dst.gpr, m)
        case .i32_8U, .i64_8U: asm.movx(.movzbl, dst.gpr, m)
        case .i32_16S: asm.movx(.movswl, dst.gpr, m)
        case .i32_16U, .i64_16U: asm.movx(.movzwl, dst.gpr, m)
        case .i64_8S: asm.movx(.movsbq, dst.gpr, m)
        case .i64_16S: asm.movx(.movswq, dst.gpr, m)
        case .i64_32S: asm.movx(.movslq, dst.gpr, m)
        }
    }

    public mutating func wasmStore(_ kind: StoreKind, src: Reg, address: Reg?, offset: UInt64) {
        let m = heapOperand(address, offset)
        records.trapSite(at: asm.offset, .outOfBoundsMemoryAccess)
        switch kind {
        case .i32, .b32: asm.mov(.l, m, src.gpr)
        case .i64: asm.mov(.q, m, src.gpr)
        case .f32: asm.movs(.s, m, src.xmm)
        case .f64: asm.movs(.d, m, src.xmm)
        case .b8: asm.movb(m, src.gpr)
        case .b16: asm.movw(m, src.gpr)
        }
    }

    public mutating func memorySize(dst: Reg) {
        asm.mov(.q, dst.gpr, Mem(base: .vmctx, disp: Int32(VMContextLayout.memoryDefinition)))
        asm.mov(.q, dst.gpr, Mem(base: dst.gpr, disp: Int32(VMMemoryDefinition.length)))
        asm.shift(.shr, .q, dst.gpr, imm8: 16)
    }
}
