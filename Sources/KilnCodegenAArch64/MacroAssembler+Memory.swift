import AsmAArch64
import KilnABI
import KilnCodegen

/// Linear memory 0: base cached at vmctx+0, no bounds checks (the 8 GiB reservation's
/// guard region faults; every access is a trap site).
extension AArch64MacroAssembler {
    /// The operand for `base + zext(address) + offset`, with the memory base in the
    /// register ``holdMemoryBase(in:)`` gave it, else loaded into x16; the offset, when
    /// the access cannot take it, folded into x17 with the address.
    mutating func heapOperand(_ address: Reg?, _ offset: UInt64, size: Int) -> AsmAArch64.Address {
        let base: GPR
        if let memoryBase {
            base = memoryBase
        } else {
            asm.ldr(.x, .scratch, .offset(.vmctx, VMContextLayout.memoryBase))
            base = .scratch
        }
        guard let address else {
            if offset <= UInt64(Int32.max), Assembler.canEncodeLoadStoreOffset(Int(offset), size: size) {
                return .offset(base, Int(offset))
            }
            asm.materialize(.x, .addressScratch, offset)
            return .register(base, .addressScratch, .lsl, scaled: false)
        }
        if offset == 0 { return .register(base, address.x, .lsl, scaled: false) }
        if Assembler.canEncodeAddSubImmediate(offset) {
            let (imm, lsl12) = offset < 4096 ? (UInt32(offset), false) : (UInt32(offset >> 12), true)
            asm.add(.x, .addressScratch, address.x, imm: imm, lsl12: lsl12)
        } else {
            asm.materialize(.x, .addressScratch, offset)
            asm.add(.x, .addressScratch, .addressScratch, address.x)
        }
        return .register(base, .addressScratch, .lsl, scaled: false)
    }

    public mutating func wasmLoad(_ kind: LoadKind, dst: Reg, address: Reg?, offset: UInt64) {
        let size: Int
        switch kind {
        case .i32_8S, .i32_8U, .i64_8S, .i64_8U: size = 1
        case .i32_16S, .i32_16U, .i64_16S, .i64_16U: size = 2
        case .i32, .f32, .i64_32S, .i64_32U: size = 4
        case .i64, .f64: size = 8
        }
        let m = heapOperand(address, offset, size: size)
        records.trapSite(at: asm.offset, .outOfBoundsMemoryAccess)
        let d = dst.x
        switch kind {
        case .i32, .i64_32U: asm.ldr(.w, d, m)
        case .i64: asm.ldr(.x, d, m)
        case .f32: asm.ldr(.s, dst.v, m)
        case .f64: asm.ldr(.d, dst.v, m)
        case .i32_8S: asm.ldrsb(.w, d, m)
        case .i32_8U, .i64_8U: asm.ldrb(d, m)
        case .i32_16S: asm.ldrsh(.w, d, m)
        case .i32_16U, .i64_16U: asm.ldrh(d, m)
        case .i64_8S: asm.ldrsb(.x, d, m)
        case .i64_16S: asm.ldrsh(.x, d, m)
        case .i64_32S: asm.ldrsw(d, m)
        }
    }

    public mutating func wasmStore(_ kind: StoreKind, src: Reg, address: Reg?, offset: UInt64) {
        let size: Int
        switch kind {
        case .b8: size = 1
        case .b16: size = 2
        case .i32, .b32, .f32: size = 4
        case .i64, .f64: size = 8
        }
        let m = heapOperand(address, offset, size: size)
        records.trapSite(at: asm.offset, .outOfBoundsMemoryAccess)
        switch kind {
        case .i32, .b32: asm.str(.w, src.x, m)
        case .i64: asm.str(.x, src.x, m)
        case .f32: asm.str(.s, src.v, m)
        case .f64: asm.str(.d, src.v, m)
        case .b8: asm.strb(src.x, m)
        case .b16: asm.strh(src.x, m)
        }
    }

    /// The length in bytes from memory 0's definition, shifted down to 64 KiB pages.
    public mutating func memorySize(dst: Reg) {
        load(dst, vmctx(VMContextLayout.memoryDefinition), .i64)
        load(dst, MemOperand(dst.x, VMMemoryDefinition.length), .i64)
        asm.lsr(.x, dst.x, dst.x, shift: 16)
    }
}
