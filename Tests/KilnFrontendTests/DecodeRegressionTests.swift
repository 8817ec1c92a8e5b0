import Foundation
import KilnFrontend
import Testing

/// Element-segment flags above 7 are malformed (the binary format defines 0-7); WasmParser
/// ignores the extra bits, so Kiln checks them itself.
@Suite struct ElementFlagsTests {
    /// A module whose element section (at `sectionStart`) holds the given segments.
    static func module(elementSection segments: [[UInt8]]) -> [UInt8] {
        var body: [UInt8] = [UInt8(segments.count)]
        for s in segments { body += s }
        return [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00,
                0x01, 0x04, 0x01, 0x60, 0x00, 0x00,  // type: () -> ()
                0x03, 0x02, 0x01, 0x00,  // one function
                0x04, 0x04, 0x01, 0x70, 0x00, 0x01,  // table funcref 1
                0x09, UInt8(body.count)] + body + [
                0x0A, 0x04, 0x01, 0x02, 0x00, 0x0B]  // code: empty body
    }

    @Test func sharedRegressionFileIsMalformedAtTheFlagsByte() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/regressions/accepted-invalid-wasm-issue8-elem-flags-byte-9.wasm")
        let bytes = [UInt8](try Data(contentsOf: url))
        let error = #expect(throws: ModuleError.self) { try decodeModule(bytes) }
        #expect(error?.kind == .malformed)
        #expect(error?.message == "malformed elements segment kind")
        #expect(error?.offset == 0x29)
    }

    @Test func everyDefinedFlagsValueStillDecodes() throws {
        let segments: [[UInt8]] = [
            [0x00, 0x41, 0x00, 0x0B, 0x01, 0x00],  // 0: active, table 0, indices
            [0x01, 0x00, 0x01, 0x00],  // 1: passive, elemkind, indices
            [0x02, 0x00, 0x41, 0x00, 0x0B, 0x00, 0x01, 0x00],  // 2: active, table index, elemkind
            [0x03, 0x00, 0x01, 0x00],  // 3: declarative, elemkind, indices
            [0x04, 0x41, 0x00, 0x0B, 0x01, 0xD2, 0x00, 0x0B],  // 4: active, expressions
            [0x05, 0x70, 0x01, 0xD0, 0x70, 0x0B],  // 5: passive, reftype, expressions
            [0x06, 0x00, 0x41, 0x00, 0x0B, 0x70, 0x01, 0xD2, 0x00, 0x0B],  // 6: active, table, reftype
            [0x07, 0x70, 0x01, 0xD2, 0x00, 0x0B],  // 7: declarative, reftype, expressions
        ]
        let module = try decodeModule(Self.module(elementSection: segments))
        #expect(module.elements.count == 8)
    }

    /// The walk reaches a later segment's flags (past constant expressions of each shape).
    /// Each `last` parses under WasmParser's reading (the bits above 2 ignored), so the
    /// flags check is what refuses it.
    @Test(arguments: [
        [0x08, 0x41, 0x00, 0x0B, 0x00, 0x00], [0x09, 0x00, 0x00], [0x0D, 0x70, 0x00], [0x0F, 0x70, 0x00],
        [0x7B, 0x00, 0x00], [0x89, 0x00, 0x00, 0x00],
    ] as [[UInt8]])
    func flagsAboveSevenInALaterSegmentAreMalformed(_ last: [UInt8]) throws {
        let segments: [[UInt8]] = [
            [0x04, 0x41, 0x80, 0x00, 0x0B, 0x02, 0xD2, 0x00, 0x0B, 0xD0, 0x70, 0x0B],
            [0x05, 0x70, 0x01, 0xD0, 0x70, 0x0B],
            last,
        ]
        let bytes = Self.module(elementSection: segments)
        let error = #expect(throws: ModuleError.self) { try decodeModule(bytes) }
        #expect(error?.message == "malformed elements segment kind")
        let flagsOffset = bytes.count - 6 - last.count
        #expect(error?.offset == flagsOffset)
    }
}

/// Text with a type use and named inline parameters, which WasmKit's WAT parser alone
/// cannot resolve (see TypeUseParameterNames): it assembles to exactly what the same
/// text with parameter indices gives.
@Suite struct TypeUseParameterNameTests {
    static func sameBinary(_ named: String, _ indexed: String) throws {
        #expect(try assemble(text: named) == assemble(text: indexed))
    }

    @Test func functionWithTypeUseAndNamedParameters() throws {
        try Self.sameBinary(
            """
            (module
              (type $t1 (func (param i32)))
              (func $f (export "f") (type $t1) (param $p0 i32)
                (drop (local.get $p0))))
            """,
            """
            (module
              (type $t1 (func (param i32)))
              (func $f (export "f") (type $t1) (param i32)
                (drop (local.get 0))))
            """)
    }

    @Test func severalNamedParametersLocalsAndFlatForms() throws {
        try Self.sameBinary(
            """
            (module
              (type $t (func (param i32 i64 i32) (result i32)))
              (func (type $t) (param $a i32) (param i64) (param $c i32) (result i32) (local $l i32)
                local.get $c local.set $l ;; $a in a comment
                (local.tee $a (i32.add (local.get $a) (local.get $l)))))
            """,
            """
            (module
              (type $t (func (param i32 i64 i32) (result i32)))
              (func (type $t) (param i32) (param i64) (param i32) (result i32) (local $l i32)
                local.get 2 local.set $l
                (local.tee 0 (i32.add (local.get 0) (local.get $l)))))
            """)
    }

    @Test func importWithTypeUseAndNamedParameters() throws {
        try Self.sameBinary(
            """
            (module
              (type $t (func (param i32) (result i32)))
              (import "m" "g" (func $g (type $t) (param $x i32) (result i32)))
              (func (import "m" "h") (type $t) (param $y i32) (result i32)))
            """,
            """
            (module
              (type $t (func (param i32) (result i32)))
              (import "m" "g" (func $g (type $t) (param i32) (result i32)))
              (func (import "m" "h") (type $t) (param i32) (result i32)))
            """)
    }

    /// Every prefix of such text (lists cut short by the end) is an error, never a crash
    /// of the pre-passes (a truncated `(func (type) (param $x` once read past its end;
    /// found by the text fuzzer).
    @Test func everyPrefixIsAResultOrAnError() {
        let text = """
            (module (type $t (func (param i32) (result i32)))
              (import "m" "g" (func (type $t) (param $x i32) (result i32)))
              (func (type $t) (param $a i32) (result i32) (local.get $a)))
            """
        let bytes = Array(text.utf8)
        for n in 0...bytes.count {
            _ = try? assemble(text: String(decoding: bytes[0..<n], as: UTF8.self))
        }
    }

    @Test func typeUseWithInlineResultOnly() throws {
        try Self.sameBinary(
            "(module (type $t (func (result i32))) (func (type $t) (result i32) (i32.const 7)))",
            "(module (type $t (func (result i32))) (func (type $t) (i32.const 7)))")
    }

    @Test(arguments: [
        "(module (type $t (func (param i32) (result i32))) (func (type $t) (param $x i64) (result i32) (i32.const 0)))",
        "(module (type $t (func (param i32) (result i32))) (func (type $t) (result i32) (i32.const 0)))",
        "(module (type $t (func (param i32))) (import \"m\" \"g\" (func (type $t) (param $x i32) (param $y i32))))",
    ])
    func typeUseThatDisagreesIsAnError(_ text: String) throws {
        let error = #expect(throws: ModuleError.self) { try assemble(text: text) }
        #expect(error?.kind == .malformed)
        #expect(error?.message == "inline function type")
    }
}

/// Only memories can be shared: a table whose limits carry the shared flag is malformed
/// (WasmParser reads table limits with the memories' flags and accepted it; found by the
/// mutation fuzzer).
@Suite struct SharedTableTests {
    static let header: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]

    @Test(arguments: [UInt8(2), 3])
    func definedSharedTableIsMalformed(_ flags: UInt8) throws {
        let limits: [UInt8] = flags & 1 != 0 ? [flags, 0x01, 0x02] : [flags, 0x01]
        let bytes = Self.header + [0x04, UInt8(2 + limits.count), 0x01, 0x70] + limits
        let error = #expect(throws: ModuleError.self) { try decodeModule(bytes) }
        #expect(error?.kind == .malformed)
        #expect(error?.message == "malformed limits flags")
    }

    @Test func importedSharedTableIsMalformed() throws {
        let bytes = Self.header + [0x02, 0x0A, 0x01, 0x01, 0x6D, 0x01, 0x74, 0x01, 0x70, 0x03, 0x01, 0x02]
        let error = #expect(throws: ModuleError.self) { try decodeModule(bytes) }
        #expect(error?.message == "malformed limits flags")
    }

    @Test func unsharedTablesStillDecode() throws {
        let bytes = Self.header + [0x04, 0x05, 0x01, 0x70, 0x01, 0x01, 0x02]
        #expect(try decodeModule(bytes).tables.count == 1)
    }
}
