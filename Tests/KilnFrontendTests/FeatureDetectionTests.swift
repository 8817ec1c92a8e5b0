import KilnFrontend
import Testing
import WAT

@Suite struct FeatureDetectionTests {
    func features(_ text: String) throws -> Set<WasmFeature> {
        try decodeModule(try assemble(text: text)).usedFeatures
    }

    @Test func mvpModuleUsesNothing() throws {
        #expect(try features("(module (memory 1) (func (result i32) (i32.load (i32.const 0))))").isEmpty)
    }

    @Test func tablesAndReferences() throws {
        let table = try features(
            "(module (type $t (func)) (table 1 funcref) (func (call_indirect (type $t) (i32.const 0))))")
        #expect(table == [.tables])
        let refs = try features("(module (func (param externref)) (func (drop (ref.null func))))")
        #expect(refs == [.referenceTypes])
    }

    @Test func bulkMemoryAndTailCalls() throws {
        #expect(
            try features("(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))")
                == [.bulkMemory])
        #expect(try features("(module (memory 1) (data \"x\"))") == [.bulkMemory])
        #expect(try features("(module (func (return_call 0)))") == [.tailCall])
    }

    @Test func unvalidatedFeaturesAreNamedNotCrashed() throws {
        let simd = try decodeModule(try assemble(text: "(module (func (result v128) (v128.const i32x4 0 0 0 0)))"))
        #expect(simd.usedFeatures.contains(.simd))
        #expect(simd.unvalidatedFeatures == [.simd])
        let multi = try features("(module (memory 1) (memory 1) (func (drop (i32.load 1 (i32.const 0)))))")
        #expect(multi.contains(.multiMemory))
        let memory64 = try features("(module (memory i64 1))")
        #expect(memory64.contains(.memory64))
    }

    @Test func functionNamesSurviveAndMalformedNameSectionIsIgnored() throws {
        var bytes = try assemble(text: "(module (func $hello))")
        // Append a name section whose function subsection claims more names than it has.
        let name: [UInt8] = [0x04] + Array("name".utf8) + [0x01, 0x05, 0x03, 0x00, 0x01, 0x61]
        bytes += [0x00] + leb(UInt32(name.count)) + name
        let module = try decodeModule(bytes)
        #expect(module.definedFunctionCount == 1)
        let named = try decodeModule(try wat2wasm("(module (func $hello))", options: EncodeOptions(nameSection: true)))
        #expect(named.functionNames[0] == "hello")
    }
}
