// A second, independent opinion on the binary format's flag and kind bytes. Kiln decodes
// with WasmKit's parser and the reference validates with the same parser, so a byte that
// parser wrongly accepts (issue 8: element segment flags 9) would pass both sides of the
// oracle. This walker reads the sections that carry such bytes and refuses values the
// spec does not define. It has no opinion (nil) on anything it cannot read.
// <https://webassembly.github.io/spec/core/binary/modules.html>

/// Checks the flag and kind bytes of a binary module against the spec.
public enum StructuralCheck {
    /// A spec violation ("malformed ...") in a flag or kind byte, or nil.
    public static func violation(in bytes: [UInt8]) -> String? {
        var r = Reader(bytes: bytes, position: 8)
        guard bytes.count >= 8, bytes.starts(with: [0x00, 0x61, 0x73, 0x6D]) else { return nil }
        while r.position < bytes.count {
            guard let id = r.byte(), let size = r.u32() else { return nil }
            let end = r.position + Int(size)
            guard end <= bytes.count else { return nil }
            var s = Reader(bytes: Array(bytes[r.position..<end]), position: 0)
            let problem: String?
            switch id {
            case 2: problem = imports(&s)
            case 4: problem = vector(&s) { tableType(&$0) }
            case 5: problem = vector(&s) { limits(&$0, maxFlag: 1) }
            case 6: problem = vector(&s) { r in
                    if let p = globalType(&r) { return p }
                    return constExpr(&r) ? nil : Reader.unknown
                }
            case 7: problem = vector(&s) { r in
                    guard r.name(), let kind = r.byte(), r.u32() != nil else { return Reader.unknown }
                    return kind > 3 ? "malformed export kind \(kind)" : nil
                }
            case 9: problem = vector(&s, elementSegment)
            case 11: problem = vector(&s, dataSegment)
            default: problem = nil
            }
            if let problem, problem != Reader.unknown { return problem }
            r.position = end
        }
        return nil
    }

    struct Reader {
        var bytes: [UInt8]
        var position: Int
        /// "Cannot read further": no opinion.
        static let unknown = "?"

        mutating func byte() -> UInt8? {
            guard position < bytes.count else { return nil }
            position += 1
            return bytes[position - 1]
        }

        mutating func u32() -> UInt32? {
            var value: UInt64 = 0
            for shift in stride(from: 0, to: 35, by: 7) {
                guard let b = byte() else { return nil }
                value |= UInt64(b & 0x7F) << UInt64(shift)
                if b & 0x80 == 0 { return value <= UInt64(UInt32.max) ? UInt32(value) : nil }
            }
            return nil
        }

        /// Skips a LEB128 number of at most `maxBytes` bytes.
        mutating func skipLEB(maxBytes: Int) -> Bool {
            for _ in 0..<maxBytes {
                guard let b = byte() else { return false }
                if b & 0x80 == 0 { return true }
            }
            return false
        }

        mutating func name() -> Bool {
            guard let n = u32(), position + Int(n) <= bytes.count else { return false }
            position += Int(n)
            return true
        }
    }

    static func vector(_ r: inout Reader, _ item: (inout Reader) -> String?) -> String? {
        guard let n = r.u32() else { return Reader.unknown }
        for _ in 0..<n {
            if let p = item(&r) { return p }
        }
        return nil
    }

    static func limits(_ r: inout Reader, maxFlag: UInt8) -> String? {
        guard let flag = r.byte() else { return Reader.unknown }
        guard flag <= maxFlag else { return flag <= 7 ? Reader.unknown : "malformed limits flags \(flag)" }
        guard r.u32() != nil else { return Reader.unknown }
        if flag & 1 == 1 && r.u32() == nil { return Reader.unknown }
        return nil
    }

    static func refType(_ b: UInt8) -> Bool { b == 0x70 || b == 0x6F }

    static func tableType(_ r: inout Reader) -> String? {
        guard let t = r.byte(), refType(t) else { return Reader.unknown }
        return limits(&r, maxFlag: 1)
    }

    static func globalType(_ r: inout Reader) -> String? {
        guard r.byte() != nil, let mutability = r.byte() else { return Reader.unknown }
        return mutability > 1 ? "malformed mutability \(mutability)" : nil
    }

    static func imports(_ r: inout Reader) -> String? {
        vector(&r) { r in
            guard r.name(), r.name(), let kind = r.byte() else { return Reader.unknown }
            switch kind {
            case 0: return r.u32() == nil ? Reader.unknown : nil
            case 1: return tableType(&r)
            case 2: return limits(&r, maxFlag: 1)
            case 3: return globalType(&r)
            default: return kind == 4 ? Reader.unknown : "malformed import kind \(kind)"
            }
        }
    }

    /// Skips a constant expression through its `end`; false if it holds anything else.
    static func constExpr(_ r: inout Reader) -> Bool {
        while let op = r.byte() {
            switch op {
            case 0x0B: return true
            case 0x41: guard r.skipLEB(maxBytes: 5) else { return false }
            case 0x42: guard r.skipLEB(maxBytes: 10) else { return false }
            case 0x43: r.position += 4
            case 0x44: r.position += 8
            case 0xD0: guard r.byte() != nil else { return false }
            case 0x23, 0xD2: guard r.u32() != nil else { return false }
            case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E: break
            default: return false
            }
        }
        return false
    }

    static func elementSegment(_ r: inout Reader) -> String? {
        guard let flags = r.u32() else { return Reader.unknown }
        guard flags <= 7 else { return "malformed elements segment kind (flags \(flags))" }
        if flags & 1 == 0 {  // active
            if flags & 2 != 0 { guard r.u32() != nil else { return Reader.unknown } }
            guard constExpr(&r) else { return Reader.unknown }
        }
        let expressions = flags & 4 != 0
        if flags & 3 != 0 {  // an elemkind or a reftype follows
            guard let kind = r.byte() else { return Reader.unknown }
            if expressions {
                guard refType(kind) else { return Reader.unknown }
            } else if kind != 0x00 {
                return "malformed element kind \(kind)"
            }
        }
        return vector(&r) { r in
            if expressions { return constExpr(&r) ? nil : Reader.unknown }
            return r.u32() == nil ? Reader.unknown : nil
        }
    }

    static func dataSegment(_ r: inout Reader) -> String? {
        guard let flags = r.u32() else { return Reader.unknown }
        guard flags <= 2 else { return "malformed data segment kind (flags \(flags))" }
        if flags == 2 { guard r.u32() != nil else { return Reader.unknown } }
        if flags != 1 { guard constExpr(&r) else { return Reader.unknown } }
        guard let n = r.u32(), r.position + Int(n) <= r.bytes.count else { return Reader.unknown }
        r.position += Int(n)
        return nil
    }
}
