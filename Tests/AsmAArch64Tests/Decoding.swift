import AsmAArch64

/// Reference decoders written from the Arm ARM pseudocode, independent of the encoder:
/// `DecodeBitMasks` for logical immediates, `VFPExpandImm` for `fmov` immediates, and
/// a tiny interpreter of the instructions the constant materializer emits.
enum Reference {
    /// The 64-bit value of a logical immediate `N:immr:imms`, nil for a reserved encoding.
    static func decodeBitMask(n: UInt8, immr: UInt8, imms: UInt8) -> UInt64? {
        let combined = UInt32(n) << 6 | UInt32(~imms & 0x3F)
        guard combined != 0 else { return nil }
        let len = 31 - combined.leadingZeroBitCount
        guard len >= 1 else { return nil }
        let size = 1 << len
        let levels = UInt8(size - 1)
        let s = Int(imms & levels), r = Int(immr & levels)
        guard s != Int(levels) else { return nil }
        let mask: UInt64 = size == 64 ? ~0 : (1 << UInt64(size)) - 1
        var elem: UInt64 = (1 << UInt64(s + 1)) - 1
        if r > 0 { elem = (elem >> UInt64(r) | elem << UInt64(size - r)) & mask }
        var value: UInt64 = 0
        for i in stride(from: 0, to: 64, by: size) { value |= elem << UInt64(i) }
        return value
    }

    /// The double an 8-bit `fmov` immediate stands for.
    static func expandFPImmediate(_ imm8: UInt8) -> Double {
        let a = UInt64(imm8 >> 7), b = UInt64(imm8 >> 6) & 1, cd = UInt64(imm8 >> 4) & 3, efgh = UInt64(imm8) & 0xF
        let exp: UInt64 = (b ^ 1) << 10 | (b == 1 ? 0xFF : 0) << 2 | cd
        return Double(bitPattern: a << 63 | exp << 52 | efgh << 48)
    }

    /// Runs `movz`/`movn`/`movk` and `orr rd, zr, #imm` words and returns the register
    /// file; nil on any other instruction.
    static func runConstantMoves(_ bytes: [UInt8]) -> [UInt64]? {
        var regs = [UInt64](repeating: 0, count: 32)
        for i in stride(from: 0, to: bytes.count, by: 4) {
            let w = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            let sf = w >> 31, opc = (w >> 29) & 3, rd = Int(w & 31)
            let width: UInt64 = sf == 1 ? ~0 : 0xFFFF_FFFF
            if w & 0x1F80_0000 == 0x1280_0000 {
                let hw = UInt64((w >> 21) & 3), imm = UInt64((w >> 5) & 0xFFFF)
                switch opc {
                case 0: regs[rd] = ~(imm << (16 * hw)) & width
                case 2: regs[rd] = imm << (16 * hw)
                case 3: regs[rd] = (regs[rd] & ~(0xFFFF << (16 * hw)) | imm << (16 * hw)) & width
                default: return nil
                }
            } else if w & 0x1F80_0000 == 0x1200_0000, opc == 1, (w >> 5) & 31 == 31 {
                guard
                    let v = decodeBitMask(
                        n: UInt8((w >> 22) & 1), immr: UInt8((w >> 16) & 0x3F), imms: UInt8((w >> 10) & 0x3F))
                else { return nil }
                regs[rd] = v & width
            } else {
                return nil
            }
        }
        return regs
    }
}
