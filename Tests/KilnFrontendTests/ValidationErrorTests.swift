import KilnFrontend
import Testing

/// A binary module from sections (id, contents); sizes and counts are LEB128-encoded here.
func binaryModule(_ sections: [(UInt8, [UInt8])]) -> [UInt8] {
    var bytes: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
    for (id, contents) in sections {
        bytes.append(id)
        bytes += leb(UInt32(contents.count))
        bytes += contents
    }
    return bytes
}

func leb(_ value: UInt32) -> [UInt8] {
    var v = value
    var out: [UInt8] = []
    repeat {
        var byte = UInt8(v & 0x7F)
        v >>= 7
        if v != 0 { byte |= 0x80 }
        out.append(byte)
    } while v != 0
    return out
}

/// One function of type [] -> [] whose body (after the local declarations) is `body`.
func moduleWithBody(_ body: [UInt8], extraSections: [(UInt8, [UInt8])] = []) -> [UInt8] {
    let code: [UInt8] = [0x00] + body  // no locals
    return binaryModule(
        [(1, [0x01, 0x60, 0x00, 0x00]), (3, [0x01, 0x00])] + extraSections + [(10, [0x01] + leb(UInt32(code.count)) + code)])
}

func decodeError(_ bytes: [UInt8]) -> ModuleError? {
    do {
        _ = try decodeModule(bytes)
        return nil
    } catch {
        return error
    }
}

@Suite struct ValidationErrorTests {
    @Test func typeMismatchNamesFunctionAndOffset() throws {
        let bytes = try assemble(text: "(module (import \"m\" \"f\" (func)) (func (result i32) (f64.const 0)))")
        let error = try #require(decodeError(bytes))
        #expect(error.kind == .invalid)
        #expect(error.message == "type mismatch")
        #expect(error.detail == "expected i32, found f64")
        #expect(error.function == 1)
        // The final `end` (the module's last byte) is where the result is checked.
        #expect(error.offset == bytes.count - 1)
        #expect(error.description == "type mismatch: expected i32, found f64 in function 1 at offset 0x\(String(bytes.count - 1, radix: 16))")
    }

    @Test func stackUnderflowIsTypeMismatch() throws {
        let bytes = try assemble(text: "(module (func (result i32) (i32.add (i32.const 1))))")
        let error = try #require(decodeError(bytes))
        #expect(error.matches(specMessage: "type mismatch"))
        #expect(error.detail == "expected i32, found nothing")
    }

    @Test func unknownLocalCarriesIndexAndOffset() throws {
        let bytes = moduleWithBody([0x20, 0x03, 0x1A, 0x0B])  // local.get 3; drop; end
        let error = try #require(decodeError(bytes))
        #expect(error.kind == .invalid)
        #expect(error.message == "unknown local 3")
        #expect(error.matches(specMessage: "unknown local"))
        #expect(error.function == 0)
        #expect(error.offset == bytes.count - 4)
    }

    @Test func unknownFunctionAndGlobal() throws {
        let call = try #require(decodeError(moduleWithBody([0x10, 0x07, 0x0B])))  // call 7
        #expect(call.message == "unknown function 7")
        let global = try #require(decodeError(moduleWithBody([0x23, 0x05, 0x1A, 0x0B])))  // global.get 5
        #expect(global.message == "unknown global 5")
    }

    @Test func constantExpressions() throws {
        // (global i32 (global.get 0)) with no globals before it.
        let unknown = try #require(decodeError(binaryModule([(6, [0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B])])))
        #expect(unknown.message == "unknown global 0")
        #expect(unknown.offset == 8)  // the global section
        // (global i32 (local.get 0))
        let local = try #require(decodeError(binaryModule([(6, [0x01, 0x7F, 0x00, 0x20, 0x00, 0x0B])])))
        #expect(local.message == "constant expression required")
        // Extended constants are constant: (global i32 (i32.add (i32.const 1) (i32.const 2))).
        let extended = try decodeModule(
            binaryModule([(6, [0x01, 0x7F, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B])]))
        #expect(extended.usedFeatures.contains(.extendedConst))
        // A mutable global cannot be read in a constant expression.
        let mutable = try #require(
            decodeError(try assemble(text: "(module (global $g (import \"m\" \"g\") (mut i32)) (global i32 (global.get $g)))")))
        #expect(mutable.message == "constant expression required")
    }

    @Test func malformedBinary() throws {
        let magic = try #require(decodeError([0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00]))
        #expect(magic.kind == .malformed)
        #expect(magic.message == "magic header not detected")
        #expect(magic.offset == 4)
        let version = try #require(decodeError([0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00]))
        #expect(version.message == "unknown binary version")
        let opcode = try #require(decodeError(moduleWithBody([0xFF, 0x0B])))
        #expect(opcode.message == "illegal opcode ff")
        #expect(opcode.function == 0)
        let missingEnd = try #require(decodeError(moduleWithBody([0x01])))  // nop, no end
        #expect(missingEnd.kind == .malformed)
        #expect(missingEnd.message == "unexpected end of section or function")
    }

    @Test func dataCountRequiredForDataDrop() throws {
        let error = try #require(decodeError(moduleWithBody([0xFC, 0x09, 0x00, 0x0B])))  // data.drop 0
        #expect(error.kind == .malformed)
        #expect(error.message == "data count section required")
    }

    @Test func moduleLevelRules() throws {
        let duplicate = try #require(
            decodeError(try assemble(text: "(module (func) (export \"a\" (func 0)) (export \"a\" (func 0)))")))
        #expect(duplicate.message == "duplicate export name")
        #expect(duplicate.offset != nil)
        let start = try #require(decodeError(try assemble(text: "(module (func (param i32)) (start 0))")))
        #expect(start.message == "start function")
        let memory = try #require(decodeError(try assemble(text: "(module (memory 65537))")))
        #expect(memory.message == "memory size must be at most 65536 pages (4GiB)")
        let limits = try #require(decodeError(try assemble(text: "(module (memory 2 1))")))
        #expect(limits.message == "size minimum must not be greater than maximum")
        let immutable = try #require(
            decodeError(try assemble(text: "(module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1))))")))
        #expect(immutable.message == "immutable global")
        let undeclared = try #require(decodeError(try assemble(text: "(module (func (drop (ref.func 0))))")))
        #expect(undeclared.message == "undeclared function reference")
        let align = try #require(
            decodeError(try assemble(text: "(module (memory 1) (func (drop (i32.load align=8 (i32.const 0)))))")))
        #expect(align.message == "alignment must not be larger than natural")
    }
}
