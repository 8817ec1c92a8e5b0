/// Rewrites the sub-opcode after every `0xFC` and `0xFD` prefix in a module's function
/// bodies to its minimal LEB128 form, and re-emits the binary with the body sizes and the
/// code section size adjusted. Everything else is copied byte for byte.
///
/// Why it exists: a WasmParser (WasmKit 0.4.2) limitation. The spec encodes the
/// sub-opcode as a LEB128 u32, so `fc 80 00` is a valid `i32.trunc_sat_f32_s`
/// (binary-leb128.wast), but WasmParser reads the byte after the prefix as the opcode
/// itself and rejects the module as "illegal opcode fc 80". WasmParser does read the
/// minimal forms: one byte below 128, and for SIMD the two bytes of 128...0x113.
/// <https://webassembly.github.io/spec/core/binary/instructions.html>
///
/// `decodeModule` runs it only when a first decode fails that way, and then decodes the
/// rewritten binary. For those modules (and only those) every offset the second decode
/// reports, in errors and in the decoded module (section offsets, `Code`), refers to the
/// rewritten binary, not to the input.
///
/// Instructions are delimited by an instruction-length decoder over the opcode table
/// (the instructions WasmParser knows), never by looking for byte patterns. Where it
/// cannot delimit an instruction (an opcode neither it nor WasmParser knows, an
/// immediate running past the body), the rest of the code section is copied unchanged,
/// so the second decode reports that first problem as it would have. A sub-opcode
/// LEB128 that is too long or has unused bits set makes the module malformed, worded as
/// the spec says.
enum PrefixedOpcodeCanonicalizer {
    /// The prefixes whose sub-opcode is rewritten.
    static let rewrittenPrefixes: Set<UInt8> = [0xFC, 0xFD]

    /// Whether `error` (from a first decode) is WasmParser's misreading of a non-minimal
    /// sub-opcode: "illegal opcode fc 80" and the like, a prefix then a byte with the high
    /// bit set.
    static func isNonMinimalSubOpcode(_ error: ModuleError) -> Bool {
        let prefix = "illegal opcode "
        guard error.kind == .malformed, error.message.hasPrefix(prefix) else { return false }
        let bytes = error.message.dropFirst(prefix.count).split(separator: " ").map { UInt8($0, radix: 16) }
        guard bytes.count >= 2, let first = bytes[0], let second = bytes[1] else { return false }
        return rewrittenPrefixes.contains(first) && second & 0x80 != 0
    }

    /// The module with every prefixed sub-opcode in minimal form (`bytes` itself when
    /// nothing changes). Throws `.malformed` for a sub-opcode LEB128 that is too long
    /// ("integer representation too long") or too large ("integer too large"), with the
    /// offset of its first byte in `bytes`.
    static func canonicalize(_ bytes: [UInt8]) throws(ModuleError) -> [UInt8] {
        let headerSize = 8
        guard bytes.count > headerSize else { return bytes }
        var out = Array(bytes[0..<headerSize])
        out.reserveCapacity(bytes.count)
        var index = headerSize
        var changed = false
        while index < bytes.count {
            let id = bytes[index]
            guard let (size, contentStart) = LEB128.readUnsigned(bytes, at: index + 1, limit: bytes.count, maxBytes: 5),
                contentStart + Int(size) <= bytes.count
            else {
                out += bytes[index...]
                break
            }
            let end = contentStart + Int(size)
            if id == SectionID.code.rawValue, let contents = try codeSection(bytes, contentStart..<end) {
                out.append(id)
                appendLEB(UInt64(contents.count), to: &out)
                out += contents
                changed = true
            } else {
                out += bytes[index..<end]
            }
            index = end
        }
        return changed ? out : bytes
    }

    /// The code section's contents rewritten, or `nil` when no body changes.
    private static func codeSection(_ bytes: [UInt8], _ range: Range<Int>) throws(ModuleError) -> [UInt8]? {
        guard let (count, first) = LEB128.readUnsigned(bytes, at: range.lowerBound, limit: range.upperBound, maxBytes: 5) else {
            return nil
        }
        var out = Array(bytes[range.lowerBound..<first])
        var changed = false
        var index = first
        var delimited = true
        for _ in 0..<count where delimited {
            guard let (size, bodyStart) = LEB128.readUnsigned(bytes, at: index, limit: range.upperBound, maxBytes: 5),
                bodyStart + Int(size) <= range.upperBound
            else { break }
            let bodyEnd = bodyStart + Int(size)
            if let body = try functionBody(bytes, bodyStart..<bodyEnd, delimited: &delimited) {
                appendLEB(UInt64(body.count), to: &out)
                out += body
                changed = true
            } else {
                out += bytes[index..<bodyEnd]
            }
            index = bodyEnd
        }
        guard changed else { return nil }
        out += bytes[index..<range.upperBound]
        return out
    }

    /// One body rewritten (locals copied, instructions walked), or `nil` when unchanged.
    /// `delimited` turns false where an instruction could not be delimited (the rest of
    /// the body is then copied as it is).
    private static func functionBody(
        _ bytes: [UInt8], _ range: Range<Int>, delimited: inout Bool
    ) throws(ModuleError) -> [UInt8]? {
        var cursor = InstructionCursor(bytes: bytes, index: range.lowerBound, end: range.upperBound)
        do throws(InstructionCursor.Undelimited) {
            let groups = try cursor.leb(maxBytes: 5)
            for _ in 0..<groups {
                try cursor.skipLEB(maxBytes: 5)
                try cursor.skipValueType()
            }
        } catch {
            delimited = false
            return nil
        }
        var out = Array(bytes[range.lowerBound..<cursor.index])
        walk: while cursor.index < range.upperBound {
            let start = cursor.index
            let opcode = bytes[start]
            cursor.index += 1
            if rewrittenPrefixes.contains(opcode) {
                guard let sub = try subOpcode(&cursor) else {
                    out += bytes[start..<range.upperBound]
                    delimited = false
                    break walk
                }
                out.append(opcode)
                appendLEB(UInt64(sub), to: &out)
                let immediates = cursor.index
                do throws(InstructionCursor.Undelimited) {
                    try cursor.skipImmediates(prefix: opcode, subOpcode: sub)
                } catch {
                    out += bytes[immediates..<range.upperBound]
                    delimited = false
                    break walk
                }
                out += bytes[immediates..<cursor.index]
            } else {
                do throws(InstructionCursor.Undelimited) {
                    try cursor.skipImmediates(of: opcode)
                } catch {
                    out += bytes[start..<range.upperBound]
                    delimited = false
                    break walk
                }
                out += bytes[start..<cursor.index]
            }
        }
        return out[...] == bytes[range] ? nil : out
    }

    /// Reads a sub-opcode as the spec reads a u32: at most 5 bytes, the 5th without
    /// bits beyond the 32nd. `nil` when the body ends inside it (the decoder reports that).
    private static func subOpcode(_ cursor: inout InstructionCursor) throws(ModuleError) -> UInt32? {
        let start = cursor.index
        var value: UInt32 = 0
        for i in 0..<5 {
            guard cursor.index < cursor.end else { return nil }
            let byte = cursor.bytes[cursor.index]
            cursor.index += 1
            if i == 4 {
                if byte & 0x80 != 0 { throw .malformed("integer representation too long", offset: start) }
                if byte & 0x70 != 0 { throw .malformed("integer too large", offset: start) }
            }
            value |= UInt32(byte & 0x7F) << (7 * UInt32(i))
            if byte & 0x80 == 0 { break }
        }
        return value
    }

    static func appendLEB(_ value: UInt64, to out: inout [UInt8]) {
        var v = value
        repeat {
            let byte = UInt8(v & 0x7F)
            v >>= 7
            out.append(v == 0 ? byte : byte | 0x80)
        } while v != 0
    }
}

/// Walks instructions of one body: each `skip…` moves past an immediate or throws
/// `Undelimited` when the bytes left cannot hold it (or the opcode is unknown).
/// <https://webassembly.github.io/spec/core/binary/instructions.html>
struct InstructionCursor {
    struct Undelimited: Error {}

    let bytes: [UInt8]
    var index: Int
    let end: Int

    mutating func byte() throws(Undelimited) -> UInt8 {
        guard index < end else { throw Undelimited() }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func skip(_ count: Int) throws(Undelimited) {
        guard end - index >= count else { throw Undelimited() }
        index += count
    }

    /// An unsigned LEB128 value (its payload bits beyond 64 dropped).
    mutating func leb(maxBytes: Int) throws(Undelimited) -> UInt64 {
        guard let (value, next) = LEB128.readUnsigned(bytes, at: index, limit: end, maxBytes: maxBytes)
        else { throw Undelimited() }
        index = next
        return value
    }

    /// Any LEB128 value, signed or not: u32/s32/s33 take at most 5 bytes, u64/s64 10.
    mutating func skipLEB(maxBytes: Int) throws(Undelimited) { _ = try leb(maxBytes: maxBytes) }

    /// A heap type: an abstract type's byte or a type index, both read as an s33.
    mutating func skipHeapType() throws(Undelimited) { try skipLEB(maxBytes: 5) }

    /// A value type: one byte, or `ref`/`ref null` (0x64/0x63) and a heap type.
    mutating func skipValueType() throws(Undelimited) {
        let b = try byte()
        if b == 0x63 || b == 0x64 { try skipHeapType() }
    }

    /// A block type: empty (0x40) or a value type (negative one-byte s33 values, or
    /// a reference type), or a type index (a non-negative s33).
    mutating func skipBlockType() throws(Undelimited) {
        guard index < end else { throw Undelimited() }
        if bytes[index] == 0x63 || bytes[index] == 0x64 {
            try skipValueType()
        } else {
            try skipLEB(maxBytes: 5)
        }
    }

    /// A memarg: alignment flags (bit 6: a memory index follows), then a u64 offset.
    mutating func skipMemarg() throws(Undelimited) {
        let flags = try leb(maxBytes: 5)
        if flags & 0x40 != 0 { try skipLEB(maxBytes: 5) }
        try skipLEB(maxBytes: 10)
    }

    mutating func skipIndices(_ count: Int) throws(Undelimited) {
        for _ in 0..<count { try skipLEB(maxBytes: 5) }
    }

    /// Moves past one whole instruction (a prefixed sub-opcode read as any LEB128 u32).
    mutating func skipInstruction() throws(Undelimited) {
        let opcode = try byte()
        if PrefixedOpcodeCanonicalizer.rewrittenPrefixes.contains(opcode) {
            let sub = try leb(maxBytes: 5)
            try skipImmediates(prefix: opcode, subOpcode: UInt32(truncatingIfNeeded: sub))
        } else {
            try skipImmediates(of: opcode)
        }
    }

    /// The immediates of a one-byte opcode (prefixes 0xFC/0xFD excluded; 0xFB included,
    /// its sub-opcode copied as it is).
    mutating func skipImmediates(of opcode: UInt8) throws(Undelimited) {
        switch opcode {
        case 0x00, 0x01, 0x05, 0x0A, 0x0B, 0x0F, 0x1A, 0x1B, 0x45...0xC4, 0xD1, 0xD3, 0xD4:
            break
        case 0x02, 0x03, 0x04:  // block, loop, if
            try skipBlockType()
        case 0x08, 0x0C, 0x0D, 0x10, 0x12, 0x14, 0x15, 0x20...0x26, 0xD2, 0xD5, 0xD6:
            try skipIndices(1)  // throw, br, br_if, call, return_call, call_ref, locals, globals, tables, ref.func, br_on_(non_)null
        case 0x0E:  // br_table: a vector of labels, then the default
            let count = try leb(maxBytes: 5)
            for _ in 0...count { try skipLEB(maxBytes: 5) }
        case 0x11, 0x13:  // call_indirect, return_call_indirect: type, table
            try skipIndices(2)
        case 0x1C:  // select with types
            let count = try leb(maxBytes: 5)
            for _ in 0..<count { try skipValueType() }
        case 0x1F:  // try_table: block type, then catch clauses
            try skipBlockType()
            let count = try leb(maxBytes: 5)
            for _ in 0..<count {
                switch try byte() {
                case 0x00, 0x01: try skipIndices(2)  // catch, catch_ref: tag, label
                case 0x02, 0x03: try skipIndices(1)  // catch_all, catch_all_ref: label
                default: throw Undelimited()
                }
            }
        case 0x28...0x3E:  // loads and stores
            try skipMemarg()
        case 0x3F, 0x40:  // memory.size, memory.grow: a memory index (a zero byte before multi-memory)
            try skipIndices(1)
        case 0x41: try skipLEB(maxBytes: 5)
        case 0x42: try skipLEB(maxBytes: 10)
        case 0x43: try skip(4)
        case 0x44: try skip(8)
        case 0xD0:  // ref.null
            try skipHeapType()
        case 0xFB:
            let sub = try leb(maxBytes: 5)
            try skipGCImmediates(sub)
        default:
            throw Undelimited()
        }
    }

    /// The immediates after a `0xFC` or `0xFD` prefix and its sub-opcode.
    mutating func skipImmediates(prefix: UInt8, subOpcode: UInt32) throws(Undelimited) {
        switch (prefix, subOpcode) {
        case (0xFC, 0x00...0x07):  // saturating truncations
            break
        case (0xFC, 0x09), (0xFC, 0x0B), (0xFC, 0x0D), (0xFC, 0x0F...0x11):
            try skipIndices(1)  // data.drop, memory.fill, elem.drop, table.grow/size/fill
        case (0xFC, 0x08), (0xFC, 0x0A), (0xFC, 0x0C), (0xFC, 0x0E):
            try skipIndices(2)  // memory.init, memory.copy, table.init, table.copy
        case (0xFD, 0x00...0x0B), (0xFD, 0x5C), (0xFD, 0x5D):  // v128 loads and store
            try skipMemarg()
        case (0xFD, 0x0C), (0xFD, 0x0D):  // v128.const, i8x16.shuffle
            try skip(16)
        case (0xFD, 0x15...0x22):  // extract and replace lane
            try skip(1)
        case (0xFD, 0x54...0x5B):  // load and store lane
            try skipMemarg()
            try skip(1)
        case (0xFD, let op) where op <= 0x113 && !Self.unassignedSIMDOpcodes.contains(op):
            break
        default:
            throw Undelimited()
        }
    }

    /// Gaps in the SIMD opcode space (up to the relaxed SIMD ones, 0x100...0x113).
    static let unassignedSIMDOpcodes: Set<UInt32> = [
        0x9A, 0xA2, 0xA5, 0xA6, 0xAF, 0xB0, 0xB2, 0xB3, 0xB4, 0xBB, 0xC2, 0xC5, 0xC6, 0xCF, 0xD0, 0xD2, 0xD3,
        0xD4, 0xE2, 0xEE,
    ]

    /// The immediates of a GC (`0xFB`) instruction.
    mutating func skipGCImmediates(_ sub: UInt64) throws(Undelimited) {
        switch sub {
        case 0x0F, 0x1A...0x1E:  // array.len, conversions, i31
            break
        case 0x00, 0x01, 0x06, 0x07, 0x0B...0x0E, 0x10:  // a type index
            try skipIndices(1)
        case 0x02...0x05, 0x08...0x0A, 0x11...0x13:  // a type index and a field/size/data/elem/type index
            try skipIndices(2)
        case 0x14...0x17:  // ref.test, ref.cast
            try skipHeapType()
        case 0x18, 0x19:  // br_on_cast(_fail): flags, label, two heap types
            try skip(1)
            try skipIndices(1)
            try skipHeapType()
            try skipHeapType()
        default:
            throw Undelimited()
        }
    }
}
