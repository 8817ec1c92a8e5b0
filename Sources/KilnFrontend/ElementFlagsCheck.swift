/// Works around a WasmParser leniency: it reads an element segment's flags as a bit set
/// and ignores bits above the three the binary format defines, so a segment whose flags
/// are 8 or more decodes as if those bits were clear. The format allows only 0-7
/// (<https://webassembly.github.io/spec/core/binary/modules.html#element-section>), and
/// other engines refuse such a module as malformed. This walks the element section's
/// segments once WasmParser has accepted it and reports the first flags value above 7
/// with its byte offset.
///
/// The walk understands what WasmParser accepted: offsets and initializers are constant
/// expressions, skipped operator by operator. An operator it does not know (a GC
/// constant such as `struct.new`) ends the walk without a verdict: the segments before
/// it were checked, and WasmParser already decoded the rest.
enum ElementFlagsCheck {
    /// The error for the first segment with flags above 7 in the element section that
    /// starts (at its id byte) at `sectionStart`, or nil.
    static func error(in bytes: [UInt8], sectionStart: Int) -> ModuleError? {
        var r = Cursor(bytes: bytes, offset: sectionStart + 1)
        guard let size = r.leb() else { return nil }
        r.limit = min(bytes.count, r.offset + Int(clamping: size))
        guard let count = r.leb() else { return nil }
        for _ in 0..<count {
            let at = r.offset
            guard let flags = r.leb() else { return nil }
            guard flags <= 7 else {
                return .malformed(
                    "malformed elements segment kind", detail: "invalid flags byte \(flags) in element segment",
                    offset: at)
            }
            guard r.skipSegmentBody(flags: flags) else { return nil }
        }
        return nil
    }

    /// A byte cursor over the section that answers false/nil where it cannot go on.
    private struct Cursor {
        let bytes: [UInt8]
        var offset: Int
        var limit: Int

        init(bytes: [UInt8], offset: Int) {
            self.bytes = bytes
            self.offset = offset
            self.limit = bytes.count
        }

        mutating func byte() -> UInt8? {
            guard offset < limit else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func leb() -> UInt64? {
            guard let (value, next) = LEB128.readUnsigned(bytes, at: offset, limit: limit, maxBytes: 10) else {
                return nil
            }
            offset = next
            return value
        }

        mutating func skip(_ n: Int) -> Bool {
            guard limit - offset >= n else { return false }
            offset += n
            return true
        }

        /// Everything of a segment after its flags (bit 0: passive or declarative; bit 1:
        /// explicit table index, or declarative; bit 2: expressions instead of indices).
        mutating func skipSegmentBody(flags: UInt64) -> Bool {
            if flags & 1 == 0 {
                if flags & 2 != 0 { guard leb() != nil else { return false } }
                guard skipConstExpression() else { return false }
            }
            let usesExpressions = flags & 4 != 0
            if usesExpressions {
                if flags != 4 { guard skipReferenceType() else { return false } }
            } else if flags != 0 {
                guard byte() != nil else { return false }  // elemkind
            }
            guard let n = leb() else { return false }
            for _ in 0..<n {
                if usesExpressions {
                    guard skipConstExpression() else { return false }
                } else {
                    guard leb() != nil else { return false }
                }
            }
            return true
        }

        /// `funcref`/`externref` and the other one-byte reference types, or `(ref null? ht)`.
        mutating func skipReferenceType() -> Bool {
            guard let b = byte() else { return false }
            if b == 0x63 || b == 0x64 { return leb() != nil }  // a heap type: s33, LEB-shaped
            return true
        }

        /// Operators of constant expressions up to and including `end`.
        mutating func skipConstExpression() -> Bool {
            while let op = byte() {
                switch op {
                case 0x0B: return true
                case 0x41, 0x42, 0x23, 0xD2: guard leb() != nil else { return false }
                case 0x43: guard skip(4) else { return false }
                case 0x44: guard skip(8) else { return false }
                case 0xD0: guard leb() != nil else { return false }
                case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E: continue
                default: return false
                }
            }
            return false
        }
    }
}
