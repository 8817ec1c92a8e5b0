// Where the reference (WasmKit 0.4.2) is known to accept modules the spec calls invalid.
// When Kiln refuses such a module, Kiln is right: the refusal is counted under the gap's
// name instead of being reported. Each entry names the evidence (a spec test, or the
// WasmKit code) and was diagnosed from a fuzzer reproducer (docs/reliability.md).

/// Known reference deviations, matched on Kiln's error message.
public enum ReferenceGaps {
    /// (name, text in Kiln's message, evidence).
    static let known: [(name: String, kilnMessage: String, evidence: String)] = [
        // A body whose last `end` closes an inner block (the function's own `end` missing):
        // WasmKit's translator accepts it; the spec's binary.wast expects it refused.
        ("unclosed-block", "END opcode expected", "spec core/binary.wast assert_malformed \"END opcode expected\""),
        (
            "unclosed-block", "unexpected end of section or function",
            "spec core/binary.wast assert_malformed \"unexpected end of section or function\""
        ),
        // The same, when the unclosed block's `end` is followed by further bytes of the body.
        ("unclosed-block", "section size mismatch", "spec core/binary.wast assert_malformed \"section size mismatch\""),
        // `global.set` of an immutable global in unreachable code: WasmKit's translator
        // returns before its mutability check when the operand stack is polymorphic
        // (Translator.swift visitGlobalSet); the spec validates unreachable code alike.
        ("immutable-global-unreachable", "immutable global", "spec core/global.wast assert_invalid \"immutable global\""),
        // `br_table` in unreachable code: `visitBrTable` returns before resolving its
        // labels when the operand stack is polymorphic (Translator.swift:3866).
        ("br-table-label-unreachable", "unknown label", "spec core/br_table.wast assert_invalid \"unknown label\""),
    ]

    /// The gap's name when the reference refused a module Kiln accepted and the spec sides
    /// with Kiln. WasmKit collects the functions `ref.func` may name only from constant
    /// expressions, not from exports; the spec's C.refs has every function index that
    /// occurs outside function bodies, exports included (validation/modules).
    ///
    /// WasmKit also refuses a `0xFC`-prefixed instruction whose sub-opcode is a non-minimal
    /// LEB128 ("Illegal opcode: [252, 128]"); the spec reads the sub-opcode as a u32, any
    /// encoding of at most 5 bytes (Kiln rewrites them: PrefixedOpcodeCanonicalizer).
    public static func gap(forReferenceError message: String, module wasm: [UInt8]) -> String? {
        if let r = message.range(of: "Illegal opcode: [252, "),
            let next = UInt8(message[r.upperBound...].prefix { $0.isNumber }), next >= 0x80
        {
            return "non-minimal-subopcode"
        }
        let marker = "function index "
        guard message.contains("is not declared but referenced as a function reference"),
            let r = message.range(of: marker),
            let index = UInt32(message[r.upperBound...].prefix { $0.isNumber }),
            exportedFunctions(wasm).contains(index)
        else { return nil }
        return "exported-funcref"
    }

    /// Function indices the export section names.
    static func exportedFunctions(_ bytes: [UInt8]) -> Set<UInt32> {
        var r = StructuralCheck.Reader(bytes: bytes, position: 8)
        var found: Set<UInt32> = []
        while r.position < bytes.count {
            guard let id = r.byte(), let size = r.u32() else { break }
            let end = r.position + Int(size)
            if id == 7, let n = r.u32() {
                for _ in 0..<n {
                    guard r.name(), let kind = r.byte(), let index = r.u32() else { break }
                    if kind == 0 { found.insert(index) }
                }
            }
            r.position = end
        }
        return found
    }

    /// The gap's name when Kiln's `message` is a refusal the reference is known to miss.
    public static func gap(forKilnError message: String) -> String? {
        known.first { message.contains($0.kilnMessage) }?.name
    }
}
