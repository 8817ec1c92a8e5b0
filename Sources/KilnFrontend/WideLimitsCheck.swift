/// Works around a WasmParser limitation: Wasm 3.0 encodes every memory and table limit
/// as a u64 LEB128, but WasmParser reads the limits of 32-bit memories and tables as u32
/// and rejects a larger value as malformed ("integer too large"). The spec wants such a
/// module to decode and then fail validation. When WasmParser reports "integer too
/// large", this re-reads the memory and table sections' limits as u64; a well-formed
/// value above 2^32 - 1 is reported as the validation error the spec names. (A module
/// that is also malformed in a later section would then be reported invalid instead.)
enum WideLimitsCheck {
    static func validationError(in bytes: [UInt8]) -> ModuleError? {
        var r = Reader(bytes: bytes, at: 8)
        while r.offset < bytes.count {
            guard let id = r.byte(), let size = r.leb(), size <= UInt64(bytes.count - r.offset) else { return nil }
            let end = r.offset + Int(size)
            var s = Reader(bytes: Array(bytes[r.offset..<end]), at: 0, base: r.offset)
            if id == 2, let e = importSection(&s) { return e }
            if id == 5, let e = memorySection(&s) { return e }
            if id == 4, let e = tableSection(&s) { return e }
            r.offset = end
        }
        return nil
    }

    /// Imported memories and tables; the walk stops at anything it does not need to know.
    private static func importSection(_ s: inout Reader) -> ModuleError? {
        guard let count = s.leb() else { return nil }
        for _ in 0..<count {
            let at = s.absolute
            guard s.skipName(), s.skipName(), let kind = s.byte() else { return nil }
            switch kind {
            case 0x00:
                guard s.leb() != nil else { return nil }
            case 0x01:
                guard let reftype = s.byte(), reftype == 0x70 || reftype == 0x6F, let flags = s.byte(), flags & 0x04 == 0,
                    let tooLarge = s.limitsAboveU32(flags: flags)
                else { return nil }
                if tooLarge { return .invalid("table size must be at most 2^32-1", offset: at) }
            case 0x02:
                guard let flags = s.byte(), flags & 0x04 == 0, let tooLarge = s.limitsAboveU32(flags: flags) else { return nil }
                if tooLarge { return .invalid("memory size must be at most 65536 pages (4GiB)", offset: at) }
            case 0x03:
                guard let type = s.byte(), [0x7F, 0x7E, 0x7D, 0x7C, 0x7B, 0x70, 0x6F].contains(type), s.byte() != nil else {
                    return nil
                }
            default:
                return nil
            }
        }
        return nil
    }

    private static func memorySection(_ s: inout Reader) -> ModuleError? {
        guard let count = s.leb() else { return nil }
        for _ in 0..<count {
            let at = s.absolute
            guard let flags = s.byte(), flags & 0x04 == 0, let tooLarge = s.limitsAboveU32(flags: flags) else { return nil }
            if tooLarge { return .invalid("memory size must be at most 65536 pages (4GiB)", offset: at) }
        }
        return nil
    }

    private static func tableSection(_ s: inout Reader) -> ModuleError? {
        guard let count = s.leb() else { return nil }
        for _ in 0..<count {
            let at = s.absolute
            // Only plain tables (`reftype limits`) are walked: an initializer expression
            // (0x40 0x00 prefix) or a typed reference type ends the check.
            guard let reftype = s.byte(), reftype == 0x70 || reftype == 0x6F, let flags = s.byte(), flags & 0x04 == 0,
                let tooLarge = s.limitsAboveU32(flags: flags)
            else { return nil }
            if tooLarge { return .invalid("table size must be at most 2^32-1", offset: at) }
        }
        return nil
    }

    /// A byte cursor that gives up (nil) on anything malformed.
    private struct Reader {
        let bytes: [UInt8]
        var offset: Int
        var base = 0
        init(bytes: [UInt8], at offset: Int, base: Int = 0) {
            self.bytes = bytes
            self.offset = offset
            self.base = base
        }
        var absolute: Int { base + offset }

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        /// An unsigned LEB128 of at most 64 bits; nil if it is malformed.
        mutating func leb() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard let b = byte() else { return nil }
                if shift == 63 && b & 0x7E != 0 { return nil }
                result |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { return nil }
            }
        }

        /// Skips a name (`u32` length + bytes).
        mutating func skipName() -> Bool {
            guard let n = leb(), n <= UInt64(bytes.count - offset) else { return false }
            offset += Int(n)
            return true
        }

        /// Reads `min [max]`; whether either exceeds u32, nil if malformed.
        mutating func limitsAboveU32(flags: UInt8) -> Bool? {
            guard flags <= 3, let min = leb() else { return nil }
            var above = min > UInt64(UInt32.max)
            if flags & 1 != 0 {
                guard let max = leb() else { return nil }
                above = above || max > UInt64(UInt32.max)
            }
            return above
        }
    }
}
