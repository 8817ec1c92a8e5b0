// Mutators for the robustness fuzzers: byte-level edits, LEB128-aware edits and section
// reordering for binaries (modules and artifacts), token-level edits for text.

/// Deterministic mutations of inputs (each takes the generator to draw from).
public enum Mutators {
    /// Applies 1-4 random binary mutations to `input`.
    public static func mutateBinary(_ input: [UInt8], _ rng: inout FuzzRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<rng.inRange(1...4) {
            guard !bytes.isEmpty else { bytes = [UInt8(truncatingIfNeeded: rng.next())]; continue }
            switch rng.below(10) {
            case 0: bitFlip(&bytes, &rng)
            case 1: setByte(&bytes, &rng)
            case 2: bytes.insert(interestingByte(&rng), at: rng.below(bytes.count + 1))
            case 3: bytes.remove(at: rng.below(bytes.count))
            case 4: duplicateChunk(&bytes, &rng)
            case 5: spliceChunk(&bytes, &rng)
            case 6: bytes.removeLast(rng.below(min(bytes.count, 64)) + 1)
            case 7, 8: editLEB128(&bytes, &rng)
            default: reorderSections(&bytes, &rng)
            }
        }
        return bytes
    }

    static func interestingByte(_ rng: inout FuzzRandom) -> UInt8 {
        rng.chance(50) ? rng.pick([0x00, 0x01, 0x7F, 0x80, 0xFF, 0x40, 0x0B, 0x41, 0x70, 0x6F]) : UInt8(truncatingIfNeeded: rng.next())
    }

    static func bitFlip(_ bytes: inout [UInt8], _ rng: inout FuzzRandom) {
        bytes[rng.below(bytes.count)] ^= 1 << UInt8(rng.below(8))
    }

    static func setByte(_ bytes: inout [UInt8], _ rng: inout FuzzRandom) {
        bytes[rng.below(bytes.count)] = interestingByte(&rng)
    }

    /// Copies a chunk and inserts the copy elsewhere.
    static func duplicateChunk(_ bytes: inout [UInt8], _ rng: inout FuzzRandom) {
        let start = rng.below(bytes.count)
        let length = min(rng.inRange(1...32), bytes.count - start)
        let chunk = Array(bytes[start..<start + length])
        bytes.insert(contentsOf: chunk, at: rng.below(bytes.count + 1))
    }

    /// Overwrites a chunk with bytes copied from another place in the input.
    static func spliceChunk(_ bytes: inout [UInt8], _ rng: inout FuzzRandom) {
        let length = min(rng.inRange(1...16), bytes.count)
        let from = rng.below(bytes.count - length + 1)
        let to = rng.below(bytes.count - length + 1)
        let chunk = Array(bytes[from..<from + length])
        bytes.replaceSubrange(to..<to + length, with: chunk)
    }

    /// Finds a LEB128 number at a random position and re-encodes it with another value
    /// (off by one, zero, huge) or in a non-minimal (padded) form.
    static func editLEB128(_ bytes: inout [UInt8], _ rng: inout FuzzRandom) {
        let start = rng.below(bytes.count)
        var end = start
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while end < bytes.count, end - start < 10 {
            value |= UInt64(bytes[end] & 0x7F) << shift
            shift += 7
            end += 1
            if bytes[end - 1] & 0x80 == 0 { break }
        }
        var encoder = WasmEncoder()
        switch rng.below(6) {
        case 0: encoder.unsigned(value &+ 1)
        case 1: encoder.unsigned(value &- 1 & 0xFFFF_FFFF)
        case 2: encoder.unsigned(0)
        case 3: encoder.unsigned(rng.pick([0x7F, 0x80, 0x3FFF, 0xFFFF_FFFF, 0x1_0000_0000, UInt64.max]))
        case 4:
            // The same value, padded to five bytes.
            var v = value & 0xFFFF_FFFF
            for i in 0..<5 {
                encoder.byte(UInt8(v & 0x7F) | (i < 4 ? 0x80 : 0))
                v >>= 7
            }
        default: encoder.signed(Int64(rng.inRange(-70...70)))
        }
        bytes.replaceSubrange(start..<end, with: encoder.bytes)
    }

    /// Swaps two sections of a binary module (or moves one to the end).
    static func reorderSections(_ bytes: inout [UInt8], _ rng: inout FuzzRandom) {
        guard bytes.count > 8, bytes.starts(with: [0x00, 0x61, 0x73, 0x6D]) else { return bitFlip(&bytes, &rng) }
        var sections: [[UInt8]] = []
        var p = 8
        while p < bytes.count {
            let start = p
            p += 1
            var size = 0
            var shift = 0
            while p < bytes.count, shift < 35 {
                size |= Int(bytes[p] & 0x7F) << shift
                shift += 7
                p += 1
                if bytes[p - 1] & 0x80 == 0 { break }
            }
            p = min(p + size, bytes.count)
            sections.append(Array(bytes[start..<p]))
        }
        guard sections.count >= 2 else { return }
        let a = rng.below(sections.count)
        let b = rng.below(sections.count)
        if rng.chance(70) { sections.swapAt(a, b) } else { sections.append(sections[a]) }
        bytes = Array(bytes[0..<8]) + sections.flatMap { $0 }
    }

    /// Text the token mutator inserts: keywords, instructions, numbers at edges, parens.
    static let dictionary: [String] = [
        "(", ")", "(module", "(func", "(param", "(result", "(local", "(type", "(table", "(memory", "(data",
        "(elem", "(global", "(export", "(import", "(mut", "(start", "block", "loop", "if", "else", "end",
        "br", "br_if", "br_table", "return", "return_call", "call", "call_indirect", "unreachable", "drop",
        "select", "local.get", "local.set", "local.tee", "global.get", "i32.add", "i64.mul", "f32.div",
        "f64.sqrt", "i32.load", "i64.store8", "memory.grow", "memory.fill", "table.get", "ref.null", "func",
        "extern", "funcref", "ref.func", "i32.const", "f64.const", "0", "-1", "0x80000000", "nan", "-nan:0x1",
        "inf", "1e309", "0x1p-149", "$f", "$x", "offset=", "align=3", "\"\\ff\"", ";;", "(;", ";)", "declare",
    ]

    /// Applies 1-3 token-level edits to wasm text.
    public static func mutateText(_ text: String, _ rng: inout FuzzRandom) -> String {
        var tokens = tokenize(text)
        for _ in 0..<rng.inRange(1...3) {
            guard !tokens.isEmpty else { tokens = [rng.pick(dictionary)]; continue }
            let i = rng.below(tokens.count)
            switch rng.below(7) {
            case 0: tokens.remove(at: i)
            case 1: tokens.insert(tokens[rng.below(tokens.count)], at: i)
            case 2: tokens[i] = rng.pick(dictionary)
            case 3: tokens.insert(rng.pick(dictionary), at: i)
            case 4: tokens.removeLast(rng.below(min(tokens.count, 8)) + 1)
            case 5:
                let j = rng.below(tokens.count)
                tokens.swapAt(i, j)
            default:
                var utf8 = Array(tokens[i].utf8)
                if !utf8.isEmpty { utf8[rng.below(utf8.count)] = UInt8(rng.inRange(32...126)) }
                tokens[i] = String(decoding: utf8, as: UTF8.self)
            }
        }
        return tokens.joined(separator: " ")
    }

    /// Splits text into parens and whitespace-separated words.
    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        for c in text {
            if c == "(" || c == ")" {
                if !current.isEmpty { tokens.append(current); current = "" }
                tokens.append(String(c))
            } else if c.isWhitespace {
                if !current.isEmpty { tokens.append(current); current = "" }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }
}
