import WasmParser

/// Turns WasmParser's errors (which expose only `description`) into malformed-module
/// errors worded like the spec tests, keeping the byte offset.
/// <https://webassembly.github.io/spec/core/binary/index.html>
enum ParserErrorMapping {
    /// Spec wording by a prefix of WasmParser's message.
    private static let byPrefix: [(String, String)] = [
        ("magic header not detected", "magic header not detected"),
        ("unknown binary version", "unknown binary version"),
        ("malformed UTF-8 encoding", "malformed UTF-8 encoding"),
        ("unexpected end-of-file", "unexpected end"),
        ("malformed section id", "malformed section id"),
        ("malformed value type", "malformed value type"),
        ("Zero expected", "zero byte expected"),
        ("Too many locals", "too many locals"),
        ("Expected reference type", "malformed reference type"),
        ("Unexpected element kind", "malformed element kind"),
        ("Integer representation is too long", "integer representation too long"),
        ("`end` opcode expected", "END opcode expected"),
        ("Unexpected end of the stream", "unexpected end"),
        ("Section size mismatch", "section size mismatch"),
        ("Illegal opcode", "illegal opcode"),
        ("Malformed mutability", "malformed mutability"),
        ("Malformed function type", "integer representation too long"),
        ("Malformed composite type", "malformed composite type"),
        ("Sections in the module are out of order", "unexpected content after last section"),
        ("Malformed limit", "malformed limits flags"),
        ("Malformed indirect call", "zero byte expected"),
        ("malformed memop flags", "malformed memop flags"),
        ("Malformed data segment kind", "malformed data segment kind"),
        ("invalid result arity", "invalid result arity"),
        ("invalid function type index", "malformed heap type"),
        ("Invalid tag attribute", "malformed tag attribute"),
        ("Invalid catch clause id", "malformed catch clause"),
        ("Invalid cast flags", "malformed cast flags"),
        ("Unexpected end of byte sequence", "unexpected end"),
        ("overflow", "integer too large"),
        ("integerRepresentationTooLong", "integer representation too long"),
        ("insufficientBytes", "unexpected end"),
    ]

    /// Maps an error met while reading the section that starts at `sectionStart` (0:
    /// the header). WasmParser does not bound a section's reader by the section's size,
    /// so where it ran past the declared end, the section is read again bounded by it to
    /// say what the spec says: "unexpected end of section or function", or "length out
    /// of bounds" when the declared size runs past the end of the module.
    static func sectionError(_ error: WasmParserError, bytes: [UInt8], sectionStart: Int, position: Int) -> ModuleError {
        let lastByte = position > 0 && position <= bytes.count ? bytes[position - 1] : nil
        guard sectionStart > 0, sectionStart < bytes.count else {
            return moduleError(error, lastByte: lastByte, position: position)
        }
        let id = bytes[sectionStart]
        var mapped = moduleError(error, section: id, lastByte: lastByte, position: position)
        guard mapped.message == "unexpected end" || mapped.message == "section size mismatch",
            let (size, sizeEnd) = LEB128.readUnsigned(bytes, at: sectionStart + 1, limit: bytes.count, maxBytes: 5)
        else { return mapped }
        let sectionEnd = sizeEnd + Int(UInt32(truncatingIfNeeded: size))
        if sectionEnd > bytes.count {
            mapped.message = "length out of bounds"
            return mapped
        }
        var bounded = Parser(bytes: bytes[0..<sectionEnd], features: .all)
        do {
            while try bounded.parseNext() != nil {}
        } catch {
            let again = moduleError(error, section: id, position: bounded.offset)
            if again.message == "unexpected end" && bounded.offset >= sectionEnd {
                mapped.message = "unexpected end of section or function"
                mapped.offset = again.offset
            }
        }
        return mapped
    }

    /// - Parameters:
    ///   - section: the id of the section being read, which names what an unexpected
    ///     byte was meant to be.
    ///   - lastByte: the last byte the parser consumed, which tells an over-long LEB128
    ///     (continuation bit still set) from one whose unused bits are set.
    ///   - position: where the parser stopped, for errors that carry no offset.
    static func moduleError(
        _ error: WasmParserError, section: UInt8? = nil, lastByte: UInt8? = nil, position: Int? = nil
    ) -> ModuleError {
        var text = error.description
        var offset: Int?
        // "\"message\" at offset 0x1f" or "... at offset 0x1f. Expected ..."
        if let range = text.firstRange(of: " at offset 0x") {
            let digits = text[range.upperBound...].prefix { $0.isHexDigit }
            offset = Int(digits, radix: 16)
            var rest = text[range.upperBound...].dropFirst(digits.count)
            if rest.hasPrefix(".") { rest = rest.dropFirst() }
            text = String(text[..<range.lowerBound]) + rest
        }
        if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 {
            text = String(text.dropFirst().dropLast())
        }
        // WasmParser interpolates its message struct: `Message(text: "...")`.
        let wrapper = "Message(text: \""
        if text.hasPrefix(wrapper) && text.hasSuffix("\")") {
            text = String(text.dropFirst(wrapper.count).dropLast(2))
        }
        if offset == nil { offset = position }
        if text == "integerRepresentationTooLong", let lastByte {
            let message = lastByte & 0x80 != 0 ? "integer representation too long" : "integer too large"
            return .malformed(message, offset: offset)
        }
        if text.hasPrefix("Illegal opcode: [") {
            // "Illegal opcode: [255]" -> "illegal opcode ff", as the spec interpreter says.
            let digits = text.dropFirst("Illegal opcode: [".count).prefix { $0 != "]" }
            let bytes = digits.split(separator: ",").compactMap { UInt8($0.trimmingPrefix(" ")) }
            let hex = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
            return .malformed("illegal opcode \(hex)", offset: offset)
        }
        if text.hasPrefix("Unexpected byte") {
            let message: String
            switch section {
            case 2: message = "malformed import kind"
            case 7: message = "malformed export kind"
            case 4: message = "malformed reference type"
            default: message = "unexpected byte"
            }
            return .malformed(message, detail: text, offset: offset)
        }
        for (prefix, spec) in byPrefix where text.hasPrefix(prefix) {
            // Keep what WasmParser adds after its own wording ("malformed section id: 14" -> "14").
            var rest = Substring(text.dropFirst(prefix.count))
            while rest.first == ":" || rest.first == " " || rest.first == "." { rest = rest.dropFirst() }
            let detail = prefix.lowercased() == spec.lowercased() ? String(rest) : text
            return .malformed(spec, detail: detail.isEmpty ? nil : detail, offset: offset)
        }
        return .malformed(text, offset: offset)
    }
}
