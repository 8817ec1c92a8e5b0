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

    /// - Parameter section: the id of the section being read, which names what an
    ///   unexpected byte was meant to be.
    static func moduleError(_ error: WasmParserError, section: UInt8? = nil) -> ModuleError {
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
            return .malformed(spec, detail: text == spec ? nil : text, offset: offset)
        }
        return .malformed(text, offset: offset)
    }
}
