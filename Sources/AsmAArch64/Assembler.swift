/// The AArch64 (A64) instruction encoder: one method per instruction form, named after
/// the Arm Architecture Reference Manual's mnemonic and taking its operands in the
/// manual's order, each appending one 32-bit little-endian word to a growing buffer.
/// Aliases the manual defines (`mov`, `cmp`, `lsl #imm`, `cset`, ...) are methods too
/// and emit the instruction they alias. Out-of-range immediates and misuse of SP/ZR are
/// programming errors (`precondition`); branches to labels are patched by
/// `resolveFixups()`, which reports a target out of reach instead of wrapping.
/// AsmAArch64Tests checks every form against `llvm-objdump`.
public struct Assembler: Sendable {
    public var bytes: [UInt8]
    private var labelOffsets: [Int] = []
    private var fixups: [(at: Int, label: AsmLabel, form: BranchForm)] = []

    public init(capacity: Int = 4096) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The byte offset of the next instruction.
    @inlinable public var offset: Int { bytes.count }

    // MARK: raw emission

    /// Appends one instruction word.
    @inlinable public mutating func emit(_ word: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: word))
        bytes.append(UInt8(truncatingIfNeeded: word >> 8))
        bytes.append(UInt8(truncatingIfNeeded: word >> 16))
        bytes.append(UInt8(truncatingIfNeeded: word >> 24))
    }

    /// Appends 8 data bytes (a literal-pool entry).
    @inlinable public mutating func u64(_ v: UInt64) {
        emit(UInt32(truncatingIfNeeded: v))
        emit(UInt32(truncatingIfNeeded: v >> 32))
    }

    /// The instruction word at byte offset `at`.
    @inlinable public func word(at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    /// Overwrites the instruction word at byte offset `at`.
    @inlinable public mutating func setWord(at: Int, _ w: UInt32) {
        bytes[at] = UInt8(truncatingIfNeeded: w)
        bytes[at + 1] = UInt8(truncatingIfNeeded: w >> 8)
        bytes[at + 2] = UInt8(truncatingIfNeeded: w >> 16)
        bytes[at + 3] = UInt8(truncatingIfNeeded: w >> 24)
    }

    /// Pads with `nop` until the offset is a multiple of `alignment` (a power of two, at least 4).
    public mutating func align(_ alignment: Int) {
        precondition(alignment >= 4 && alignment & (alignment - 1) == 0)
        while offset & (alignment - 1) != 0 { nop() }
    }

    // MARK: labels and fixups

    /// A fresh, unbound label.
    public mutating func newLabel() -> AsmLabel {
        labelOffsets.append(-1)
        return AsmLabel(id: Int32(labelOffsets.count - 1))
    }

    /// Binds `label` to the current offset.
    public mutating func bind(_ label: AsmLabel) {
        precondition(labelOffsets[Int(label.id)] < 0, "label bound twice")
        labelOffsets[Int(label.id)] = offset
    }

    /// Where `label` was bound, nil if not yet.
    public func offset(of label: AsmLabel) -> Int? {
        let o = labelOffsets[Int(label.id)]
        return o >= 0 ? o : nil
    }

    /// Records that the instruction just emitted refers to `label` through a field of
    /// `form`.
    @usableFromInline mutating func addFixup(to label: AsmLabel, form: BranchForm) {
        fixups.append((offset - 4, label, form))
    }

    /// Patches every instruction that refers to a label, then forgets the fixups.
    /// Throws on the first label that was never bound or is out of the field's reach;
    /// nothing is wrapped.
    public mutating func resolveFixups() throws(FixupError) {
        for f in fixups {
            let target = labelOffsets[Int(f.label.id)]
            guard target >= 0 else { throw .unboundLabel(at: f.at, label: f.label) }
            try patchBranch(at: f.at, to: target, form: f.form)
        }
        fixups.removeAll(keepingCapacity: true)
    }

    /// Rewrites the pc-relative field of the instruction at `at` (whose kind `form`
    /// names) so it refers to byte offset `target` of this buffer; the other fields are
    /// kept. Usable by code generators that keep their own label tables.
    public mutating func patchBranch(at: Int, to target: Int, form: BranchForm) throws(FixupError) {
        let delta = target - at
        setWord(at: at, try form.encode(delta: delta, into: word(at: at), at: at))
    }
}

/// A code position that pc-relative instructions can refer to before it is known.
public struct AsmLabel: Hashable, Sendable {
    public let id: Int32
    @inlinable public init(id: Int32) { self.id = id }
}

/// The kinds of pc-relative immediate fields, by width and position.
public enum BranchForm: UInt8, Sendable {
    /// `b`, `bl`: imm26 words at bit 0, ±128 MiB.
    case imm26
    /// `b.cond`, `cbz`, `cbnz`, `ldr` (literal): imm19 words at bit 5, ±1 MiB.
    case imm19
    /// `tbz`, `tbnz`: imm14 words at bit 5, ±32 KiB.
    case imm14
    /// `adr`: a 21-bit byte offset split into immlo (bits 29-30) and immhi (bits 5-23), ±1 MiB.
    case adr21

    /// The inclusive range of byte offsets the field reaches.
    public var reach: ClosedRange<Int> {
        switch self {
        case .imm26: return -(1 << 27)...((1 << 27) - 4)
        case .imm19: return -(1 << 20)...((1 << 20) - 4)
        case .imm14: return -(1 << 15)...((1 << 15) - 4)
        case .adr21: return -(1 << 20)...((1 << 20) - 1)
        }
    }

    /// `word` with its field set to `delta` bytes.
    @usableFromInline func encode(delta: Int, into word: UInt32, at: Int) throws(FixupError) -> UInt32 {
        guard reach.contains(delta), self == .adr21 || delta & 3 == 0 else {
            throw .outOfRange(at: at, delta: delta, form: self)
        }
        switch self {
        case .imm26:
            return word & ~0x03FF_FFFF | UInt32(truncatingIfNeeded: delta >> 2) & 0x03FF_FFFF
        case .imm19:
            return word & ~(0x7FFFF << 5) | (UInt32(truncatingIfNeeded: delta >> 2) & 0x7FFFF) << 5
        case .imm14:
            return word & ~(0x3FFF << 5) | (UInt32(truncatingIfNeeded: delta >> 2) & 0x3FFF) << 5
        case .adr21:
            let v = UInt32(truncatingIfNeeded: delta) & 0x1F_FFFF
            return word & ~(3 << 29 | 0x7FFFF << 5) | (v & 3) << 29 | (v >> 2) << 5
        }
    }
}

/// Why a label reference could not be patched: a Kiln bug (an unbound label) or a
/// function too large for the branch form chosen.
public enum FixupError: Error, Equatable, Sendable {
    /// The instruction at `at` refers to a label that was never bound.
    case unboundLabel(at: Int, label: AsmLabel)
    /// The instruction at `at` cannot reach `delta` bytes away (or `delta` is not a
    /// multiple of 4 where the field counts words).
    case outOfRange(at: Int, delta: Int, form: BranchForm)
}
