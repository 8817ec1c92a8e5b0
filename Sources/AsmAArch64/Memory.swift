/// The `size`, `V` and `opc` fields that select one load/store instruction in every
/// addressing form, and the log2 of its access size (the scale of the 12-bit offset).
@usableFromInline struct LoadStoreKind: Sendable {
    @usableFromInline let size: UInt32
    @usableFromInline let v: UInt32
    @usableFromInline let opc: UInt32
    @usableFromInline let scale: UInt32
    @usableFromInline let isLoad: Bool

    @inlinable init(size: UInt32, v: UInt32 = 0, opc: UInt32, scale: UInt32? = nil) {
        self.size = size
        self.v = v
        self.opc = opc
        self.scale = scale ?? size
        isLoad = opc != 0
    }

    @inlinable static func gpr(_ w: Width, load: Bool) -> LoadStoreKind {
        LoadStoreKind(size: w == .x ? 3 : 2, opc: load ? 1 : 0)
    }
    @inlinable static func fpr(_ p: Precision, load: Bool) -> LoadStoreKind {
        LoadStoreKind(size: p == .d ? 3 : 2, v: 1, opc: load ? 1 : 0)
    }
    /// `ldrsb`/`ldrsh`/`ldrsw` (`size` 0/1/2): opc 10 extends to 64 bits, 11 to 32.
    @inlinable static func signed(size: UInt32, _ w: Width) -> LoadStoreKind {
        LoadStoreKind(size: size, opc: w == .x ? 2 : 3)
    }

    @inlinable var bits: UInt32 { size << 30 | v << 26 | opc << 22 }
}

/// Loads and stores: single registers in every addressing form, pairs, pc-relative
/// literals and addresses.
extension Assembler {
    // MARK: single register

    /// Unsigned scaled offset: size 111 V 01 opc imm12 Rn Rt; unscaled (`ldur`): size 111
    /// V 00 opc 0 imm9 00 Rn Rt; post-index: ... imm9 01; pre-index: ... imm9 11;
    /// register offset: size 111 V 00 opc 1 Rm option S 10 Rn Rt.
    @usableFromInline mutating func loadStore(_ k: LoadStoreKind, _ rt: UInt32, _ addr: Address) {
        switch addr {
        case .offset(let base, let off):
            let unit = 1 << Int(k.scale)
            if off >= 0 && off % unit == 0 && off / unit < 4096 {
                emit(k.bits | 0x3900_0000 | UInt32(off / unit) << 10 | base.rsp << 5 | rt)
            } else {
                // What assemblers do with `ldr x0, [x1, #-8]`: the unscaled form.
                loadStoreUnscaled(k, rt, base, off)
            }
        case .preIndex(let base, let off):
            precondition(off >= -256 && off <= 255, "pre-index offset out of range")
            precondition(!k.isLoad || base.enc != rt || base.isSP, "writeback to the loaded register")
            emit(k.bits | 0x3800_0C00 | (UInt32(bitPattern: Int32(off)) & 0x1FF) << 12 | base.rsp << 5 | rt)
        case .postIndex(let base, let off):
            precondition(off >= -256 && off <= 255, "post-index offset out of range")
            precondition(!k.isLoad || base.enc != rt || base.isSP, "writeback to the loaded register")
            emit(k.bits | 0x3800_0400 | (UInt32(bitPattern: Int32(off)) & 0x1FF) << 12 | base.rsp << 5 | rt)
        case .register(let base, let index, let extend, let scaled):
            emit(k.bits | 0x3820_0800 | index.rz << 16 | UInt32(extend.rawValue) << 13 | (scaled ? 1 : 0) << 12
                | base.rsp << 5 | rt)
        }
    }

    @usableFromInline mutating func loadStoreUnscaled(_ k: LoadStoreKind, _ rt: UInt32, _ base: GPR, _ off: Int) {
        precondition(off >= -256 && off <= 255, "unscaled offset out of range")
        emit(k.bits | 0x3800_0000 | (UInt32(bitPattern: Int32(off)) & 0x1FF) << 12 | base.rsp << 5 | rt)
    }

    /// Whether `offset` fits `.offset(base, offset)` of an access of `size` bytes in one
    /// instruction (scaled unsigned 12-bit, or signed 9-bit unscaled).
    public static func canEncodeLoadStoreOffset(_ offset: Int, size: Int) -> Bool {
        (offset >= 0 && offset % size == 0 && offset / size < 4096) || (offset >= -256 && offset <= 255)
    }

    /// `ldr wt|xt, addr`. An `.offset` that is negative or unaligned becomes `ldur`.
    public mutating func ldr(_ w: Width, _ rt: GPR, _ addr: Address) { loadStore(.gpr(w, load: true), rt.rz, addr) }
    /// `str wt|xt, addr`
    public mutating func str(_ w: Width, _ rt: GPR, _ addr: Address) { loadStore(.gpr(w, load: false), rt.rz, addr) }
    /// `ldrb wt, addr` (zero-extends)
    public mutating func ldrb(_ rt: GPR, _ addr: Address) { loadStore(LoadStoreKind(size: 0, opc: 1), rt.rz, addr) }
    /// `ldrh wt, addr` (zero-extends)
    public mutating func ldrh(_ rt: GPR, _ addr: Address) { loadStore(LoadStoreKind(size: 1, opc: 1), rt.rz, addr) }
    /// `ldrsb wt|xt, addr`
    public mutating func ldrsb(_ w: Width, _ rt: GPR, _ addr: Address) { loadStore(.signed(size: 0, w), rt.rz, addr) }
    /// `ldrsh wt|xt, addr`
    public mutating func ldrsh(_ w: Width, _ rt: GPR, _ addr: Address) { loadStore(.signed(size: 1, w), rt.rz, addr) }
    /// `ldrsw xt, addr`
    public mutating func ldrsw(_ rt: GPR, _ addr: Address) { loadStore(.signed(size: 2, .x), rt.rz, addr) }
    /// `strb wt, addr`
    public mutating func strb(_ rt: GPR, _ addr: Address) { loadStore(LoadStoreKind(size: 0, opc: 0), rt.rz, addr) }
    /// `strh wt, addr`
    public mutating func strh(_ rt: GPR, _ addr: Address) { loadStore(LoadStoreKind(size: 1, opc: 0), rt.rz, addr) }
    /// `ldr st|dt, addr`
    public mutating func ldr(_ p: Precision, _ rt: FPR, _ addr: Address) { loadStore(.fpr(p, load: true), rt.enc, addr) }
    /// `str st|dt, addr`
    public mutating func str(_ p: Precision, _ rt: FPR, _ addr: Address) { loadStore(.fpr(p, load: false), rt.enc, addr) }

    /// `ldur wt|xt, [base, #offset]` (signed 9-bit byte offset)
    public mutating func ldur(_ w: Width, _ rt: GPR, _ base: GPR, offset: Int) {
        loadStoreUnscaled(.gpr(w, load: true), rt.rz, base, offset)
    }
    /// `stur wt|xt, [base, #offset]`
    public mutating func stur(_ w: Width, _ rt: GPR, _ base: GPR, offset: Int) {
        loadStoreUnscaled(.gpr(w, load: false), rt.rz, base, offset)
    }
    /// `ldurb wt, [base, #offset]`
    public mutating func ldurb(_ rt: GPR, _ base: GPR, offset: Int) { loadStoreUnscaled(LoadStoreKind(size: 0, opc: 1), rt.rz, base, offset) }
    /// `ldurh wt, [base, #offset]`
    public mutating func ldurh(_ rt: GPR, _ base: GPR, offset: Int) { loadStoreUnscaled(LoadStoreKind(size: 1, opc: 1), rt.rz, base, offset) }
    /// `ldursb wt|xt, [base, #offset]`
    public mutating func ldursb(_ w: Width, _ rt: GPR, _ base: GPR, offset: Int) { loadStoreUnscaled(.signed(size: 0, w), rt.rz, base, offset) }
    /// `ldursh wt|xt, [base, #offset]`
    public mutating func ldursh(_ w: Width, _ rt: GPR, _ base: GPR, offset: Int) { loadStoreUnscaled(.signed(size: 1, w), rt.rz, base, offset) }
    /// `ldursw xt, [base, #offset]`
    public mutating func ldursw(_ rt: GPR, _ base: GPR, offset: Int) { loadStoreUnscaled(.signed(size: 2, .x), rt.rz, base, offset) }
    /// `sturb wt, [base, #offset]`
    public mutating func sturb(_ rt: GPR, _ base: GPR, offset: Int) { loadStoreUnscaled(LoadStoreKind(size: 0, opc: 0), rt.rz, base, offset) }
    /// `sturh wt, [base, #offset]`
    public mutating func sturh(_ rt: GPR, _ base: GPR, offset: Int) { loadStoreUnscaled(LoadStoreKind(size: 1, opc: 0), rt.rz, base, offset) }
    /// `ldur st|dt, [base, #offset]`
    public mutating func ldur(_ p: Precision, _ rt: FPR, _ base: GPR, offset: Int) {
        loadStoreUnscaled(.fpr(p, load: true), rt.enc, base, offset)
    }
    /// `stur st|dt, [base, #offset]`
    public mutating func stur(_ p: Precision, _ rt: FPR, _ base: GPR, offset: Int) {
        loadStoreUnscaled(.fpr(p, load: false), rt.enc, base, offset)
    }

    // MARK: pairs: opc 101 V mode L imm7 Rt2 Rn Rt

    @usableFromInline mutating func loadStorePair(
        opc: UInt32, v: UInt32, scale: Int, load: Bool, _ rt1: UInt32, _ rt2: UInt32, _ addr: Address
    ) {
        let mode: UInt32, base: GPR, off: Int
        switch addr {
        case .offset(let b, let o): (mode, base, off) = (0b010, b, o)
        case .preIndex(let b, let o): (mode, base, off) = (0b011, b, o)
        case .postIndex(let b, let o): (mode, base, off) = (0b001, b, o)
        case .register: preconditionFailure("ldp/stp take no register offset")
        }
        let unit = 1 << scale
        precondition(off % unit == 0 && off / unit >= -64 && off / unit <= 63, "pair offset out of range")
        precondition(!load || rt1 != rt2, "ldp to the same register twice")
        emit(opc << 30 | 0x2800_0000 | v << 26 | mode << 23 | (load ? 1 : 0) << 22
            | (UInt32(bitPattern: Int32(off / unit)) & 0x7F) << 15 | rt2 << 10 | base.rsp << 5 | rt1)
    }

    /// `ldp wt1|xt1, wt2|xt2, addr` (signed offset, pre- or post-index; offset a
    /// multiple of the register size in -64...63 of them)
    public mutating func ldp(_ w: Width, _ rt1: GPR, _ rt2: GPR, _ addr: Address) {
        loadStorePair(opc: w == .x ? 2 : 0, v: 0, scale: w == .x ? 3 : 2, load: true, rt1.rz, rt2.rz, addr)
    }
    /// `stp wt1|xt1, wt2|xt2, addr`
    public mutating func stp(_ w: Width, _ rt1: GPR, _ rt2: GPR, _ addr: Address) {
        loadStorePair(opc: w == .x ? 2 : 0, v: 0, scale: w == .x ? 3 : 2, load: false, rt1.rz, rt2.rz, addr)
    }
    /// `ldp st1|dt1, st2|dt2, addr`
    public mutating func ldp(_ p: Precision, _ rt1: FPR, _ rt2: FPR, _ addr: Address) {
        loadStorePair(opc: p == .d ? 1 : 0, v: 1, scale: p == .d ? 3 : 2, load: true, rt1.enc, rt2.enc, addr)
    }
    /// `stp st1|dt1, st2|dt2, addr`
    public mutating func stp(_ p: Precision, _ rt1: FPR, _ rt2: FPR, _ addr: Address) {
        loadStorePair(opc: p == .d ? 1 : 0, v: 1, scale: p == .d ? 3 : 2, load: false, rt1.enc, rt2.enc, addr)
    }

    // MARK: pc-relative: literal loads opc 011 V 00 imm19 Rt; adr/adrp op immlo 10000 immhi Rd

    /// Emits `word` whose `form` field refers to `offset` bytes from this instruction.
    @usableFromInline mutating func emitPCRelative(_ word: UInt32, _ form: BranchForm, offset: Int) {
        let at = self.offset
        do {
            emit(try form.encode(delta: offset, into: word, at: at))
        } catch {
            preconditionFailure("pc-relative offset \(offset) out of range")
        }
    }

    /// Emits `word` referring to `label`, patched by `resolveFixups()`.
    @usableFromInline mutating func emitPCRelative(_ word: UInt32, _ form: BranchForm, _ label: AsmLabel) {
        emit(word)
        addFixup(to: label, form: form)
    }

    /// `ldr wt|xt, label` (pc-relative literal, ±1 MiB)
    public mutating func ldr(_ w: Width, _ rt: GPR, _ label: AsmLabel) {
        emitPCRelative((w == .x ? 1 : 0) << 30 | 0x1800_0000 | rt.rz, .imm19, label)
    }
    /// `ldr wt|xt, #offset` (pc-relative literal at `offset` bytes from this instruction)
    public mutating func ldr(_ w: Width, _ rt: GPR, literalOffset: Int) {
        emitPCRelative((w == .x ? 1 : 0) << 30 | 0x1800_0000 | rt.rz, .imm19, offset: literalOffset)
    }
    /// `ldr st|dt, label` (pc-relative literal)
    public mutating func ldr(_ p: Precision, _ rt: FPR, _ label: AsmLabel) {
        emitPCRelative(p.ftype << 30 | 0x1C00_0000 | rt.enc, .imm19, label)
    }
    /// `ldr st|dt, #offset` (pc-relative literal)
    public mutating func ldr(_ p: Precision, _ rt: FPR, literalOffset: Int) {
        emitPCRelative(p.ftype << 30 | 0x1C00_0000 | rt.enc, .imm19, offset: literalOffset)
    }
    /// `adr xd, label`: the label's address (±1 MiB).
    public mutating func adr(_ rd: GPR, _ label: AsmLabel) { emitPCRelative(0x1000_0000 | rd.rz, .adr21, label) }
    /// `adr xd, #offset`: this instruction's address plus `offset`.
    public mutating func adr(_ rd: GPR, offset: Int) { emitPCRelative(0x1000_0000 | rd.rz, .adr21, offset: offset) }
    /// `adrp xd, #pages`: the address of the 4 KiB page `pages` pages from this
    /// instruction's page (±4 GiB); the low 12 bits come from a following `add` or load.
    public mutating func adrp(_ rd: GPR, pages: Int) {
        precondition(pages >= -(1 << 20) && pages < (1 << 20), "adrp page offset out of range")
        let v = UInt32(truncatingIfNeeded: pages) & 0x1F_FFFF
        emit(0x9000_0000 | (v & 3) << 29 | (v >> 2) << 5 | rd.rz)
    }
}
