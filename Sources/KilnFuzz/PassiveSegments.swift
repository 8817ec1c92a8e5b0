// WasmKit validates function bodies only after instantiation has applied the active
// segments, so a module whose segment is out of bounds traps before its bodies are looked
// at. To judge such a module's validity, the reference validates a copy whose active
// segments are made passive (same contents, nothing applied at instantiation). Lost by the
// rewrite: checks of the active segments' table/memory indices and offset expressions.

/// Rewrites active element and data segments as passive ones.
enum PassiveSegments {
    /// The rewritten module, or nil when it cannot be read.
    static func rewrite(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count >= 8 else { return nil }
        var out = WasmEncoder()
        out.append(Array(bytes[0..<8]))
        var r = StructuralCheck.Reader(bytes: bytes, position: 8)
        while r.position < bytes.count {
            guard let id = r.byte(), let size = r.u32(), r.position + Int(size) <= bytes.count else { return nil }
            let body = Array(bytes[r.position..<r.position + Int(size)])
            r.position += Int(size)
            switch id {
            case 9:
                guard let rewritten = rewriteSegments(body, elements) else { return nil }
                out.section(9, rewritten)
            case 11:
                guard let rewritten = rewriteSegments(body, data) else { return nil }
                out.section(11, rewritten)
            default:
                out.section(id, body)
            }
        }
        return out.bytes
    }

    static func rewriteSegments(_ body: [UInt8], _ segment: (inout StructuralCheck.Reader, inout WasmEncoder) -> Bool) -> [UInt8]? {
        var r = StructuralCheck.Reader(bytes: body, position: 0)
        var out = WasmEncoder()
        guard let count = r.u32() else { return nil }
        out.u32(count)
        for _ in 0..<count {
            guard segment(&r, &out) else { return nil }
        }
        out.append(Array(body[r.position...]))
        return out.bytes
    }

    /// One element segment: an active one (flags 0, 2, 4, 6) becomes passive (1 or 5).
    static func elements(_ r: inout StructuralCheck.Reader, _ out: inout WasmEncoder) -> Bool {
        guard let flags = r.u32(), flags <= 7 else { return false }
        let start: Int
        if flags & 1 == 0 {
            if flags & 2 != 0 { guard r.u32() != nil else { return false } }
            guard StructuralCheck.constExpr(&r) else { return false }
            let expressions = flags & 4 != 0
            out.u32(expressions ? 5 : 1)
            // Flags 0 and 4 have no element kind / reference type byte; passive ones do.
            if flags & 2 == 0 { out.byte(expressions ? 0x70 : 0x00) }
            start = r.position
        } else {
            out.u32(flags)
            start = r.position
        }
        guard skipElementsTail(&r, flags: flags) else { return false }
        out.append(Array(r.bytes[start..<r.position]))
        return true
    }

    /// Skips an element segment after its mode: kind byte (when present) and items.
    static func skipElementsTail(_ r: inout StructuralCheck.Reader, flags: UInt32) -> Bool {
        if flags & 3 != 0 { guard r.byte() != nil else { return false } }
        guard let n = r.u32() else { return false }
        for _ in 0..<n {
            if flags & 4 != 0 {
                guard StructuralCheck.constExpr(&r) else { return false }
            } else {
                guard r.u32() != nil else { return false }
            }
        }
        return true
    }

    /// One data segment: an active one (flags 0, 2) becomes passive (1).
    static func data(_ r: inout StructuralCheck.Reader, _ out: inout WasmEncoder) -> Bool {
        guard let flags = r.u32(), flags <= 2 else { return false }
        if flags == 2 { guard r.u32() != nil else { return false } }
        if flags != 1 { guard StructuralCheck.constExpr(&r) else { return false } }
        guard let n = r.u32(), r.position + Int(n) <= r.bytes.count else { return false }
        out.u32(1)
        out.u32(n)
        out.append(Array(r.bytes[r.position..<r.position + Int(n)]))
        r.position += Int(n)
        return true
    }
}
