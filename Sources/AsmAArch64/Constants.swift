/// Loading constants into general registers.
extension Assembler {
    /// Loads `value` (its low 32 bits for `.w`) into `rd` with the fewest instructions
    /// this encoder knows: one `movz`, `movn` or `orr` of a bitmask immediate when one
    /// fits; else `orr` of a nearby bitmask immediate patched by `movk`s when that is
    /// shorter; else `movz`/`movn` followed by a `movk` per remaining halfword. A 64-bit
    /// value whose upper half is zero is built with W instructions (they zero-extend).
    /// Returns the number of instructions emitted (1 to 4). `rd` may not be SP.
    @discardableResult
    public mutating func materialize(_ w: Width, _ rd: GPR, _ value: UInt64) -> Int {
        precondition(!rd.isSP, "cannot materialize into SP")
        if w == .x && value >> 32 == 0 { return materialize(.w, rd, value) }
        let v = w == .x ? value : value & 0xFFFF_FFFF
        let count = w == .x ? 4 : 2
        func half(_ x: UInt64, _ i: Int) -> UInt16 { UInt16(truncatingIfNeeded: x >> UInt64(16 * i)) }
        var zeros = 0, ones = 0
        for i in 0..<count {
            if half(v, i) == 0 { zeros += 1 }
            if half(v, i) == 0xFFFF { ones += 1 }
        }
        if zeros >= count - 1 {
            let i = (0..<count).first { half(v, $0) != 0 } ?? 0
            movz(w, rd, imm: half(v, i), lsl: UInt8(16 * i))
            return 1
        }
        if ones >= count - 1 {
            let i = (0..<count).first { half(v, $0) != 0xFFFF } ?? 0
            movn(w, rd, imm: ~half(v, i), lsl: UInt8(16 * i))
            return 1
        }
        if LogicalImmediate(v, width: w) != nil {
            orr(w, rd, .zr, imm: v)
            return 1
        }
        let wideCount = count - max(zeros, ones)
        if wideCount > 2 {
            // A bitmask immediate that differs from v in one halfword (or two, where the
            // wide route needs four instructions), fixed up with movk.
            var candidates: [UInt16] = [0, 0xFFFF]
            for i in 0..<count where !candidates.contains(half(v, i)) { candidates.append(half(v, i)) }
            func replacing(_ x: UInt64, _ i: Int, _ c: UInt16) -> UInt64 {
                x & ~(0xFFFF << UInt64(16 * i)) | UInt64(c) << UInt64(16 * i)
            }
            for i in 0..<count {
                for c in candidates where c != half(v, i) {
                    let base = replacing(v, i, c)
                    if LogicalImmediate(base, width: w) != nil {
                        orr(w, rd, .zr, imm: base)
                        movk(w, rd, imm: half(v, i), lsl: UInt8(16 * i))
                        return 2
                    }
                }
            }
            if wideCount > 3 {
                for i in 0..<count {
                    for j in (i + 1)..<count {
                        for ci in candidates where ci != half(v, i) {
                            for cj in candidates where cj != half(v, j) {
                                let base = replacing(replacing(v, i, ci), j, cj)
                                if LogicalImmediate(base, width: w) != nil {
                                    orr(w, rd, .zr, imm: base)
                                    movk(w, rd, imm: half(v, i), lsl: UInt8(16 * i))
                                    movk(w, rd, imm: half(v, j), lsl: UInt8(16 * j))
                                    return 3
                                }
                            }
                        }
                    }
                }
            }
        }
        // movz (or movn, when more halfwords are all ones) then movk the rest.
        let fill: UInt16 = ones > zeros ? 0xFFFF : 0
        var emitted = 0
        for i in 0..<count where half(v, i) != fill {
            if emitted == 0 {
                if fill == 0 {
                    movz(w, rd, imm: half(v, i), lsl: UInt8(16 * i))
                } else {
                    movn(w, rd, imm: ~half(v, i), lsl: UInt8(16 * i))
                }
            } else {
                movk(w, rd, imm: half(v, i), lsl: UInt8(16 * i))
            }
            emitted += 1
        }
        return emitted
    }
}
