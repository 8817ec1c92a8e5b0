import Foundation
@testable import KilnFrontend
import Testing
import WAT
import WasmParser

/// One instruction of a hand-built body: its minimal encoding and one whose `0xFC`/`0xFD`
/// sub-opcode is padded to a longer LEB128 (the same bytes for other instructions).
private struct Op {
    var minimal: [UInt8]
    var padded: [UInt8]

    init(_ bytes: UInt8...) {
        minimal = bytes
        padded = bytes
    }

    init(_ bytes: [UInt8]) { self.init(bytes: bytes) }

    init(bytes: [UInt8]) {
        minimal = bytes
        padded = bytes
    }

    /// A prefixed instruction whose sub-opcode takes `width` bytes in the padded form.
    init(prefix: UInt8, _ sub: UInt32, width: Int, _ immediates: UInt8...) {
        minimal = [prefix] + leb(sub) + immediates
        padded = [prefix] + paddedLEB(sub, width: width) + immediates
    }
}

/// `value` as an unsigned LEB128 of exactly `width` bytes.
private func paddedLEB(_ value: UInt32, width: Int) -> [UInt8] {
    var v = value
    var out: [UInt8] = []
    for i in 0..<width {
        let byte = UInt8(v & 0x7F)
        v >>= 7
        out.append(i == width - 1 ? byte : byte | 0x80)
    }
    return out
}

private func body(locals: [UInt8], _ ops: [Op], padded: Bool) -> [UInt8] {
    let code = locals + ops.flatMap { padded ? $0.padded : $0.minimal }
    return leb(UInt32(code.count)) + code
}

private let v128FC: [UInt8] = [0xFC, 0xFC, 0x00, 0xFC, 0x80, 0xFC, 0xFC, 0xFC, 0x0B, 0xFC, 0xFD, 0xFC, 0x0C, 0x00, 0xFC, 0x0A]
private let f32Bytes: [UInt8] = [0x00, 0x00, 0x80, 0x3F]  // 1.0
private let f64Bytes: [UInt8] = [0, 0, 0, 0, 0, 0, 0xF0, 0x3F]  // 1.0

/// Function 0 (validated): constants holding 0xFC bytes, a type-index block type,
/// br_table, large memarg offsets, bulk memory and table ops, saturating truncations,
/// typed select, call_indirect, ref.func, memory.size/grow, return_call.
private let scalarOps: [Op] = [
    Op(0x43, 0xFC, 0xFC, 0xFC, 0x7F), Op(0x1A),  // f32.const (bits 0x7ffcfcfc); drop
    Op(0x44, 0xFC, 0xFC, 0xFC, 0xFC, 0xFC, 0xFC, 0xFC, 0x7F), Op(0x1A),  // f64.const; drop
    Op(0x42, 0xFC, 0xFC, 0xFC, 0xFC, 0x7C), Op(0x1A),  // i64.const; drop
    Op(0x41, 0xFC, 0x00), Op(0x1A),  // i32.const 124; drop
    Op(0x02, 0x01),  // block (type 1: [] -> [i32])
    Op(0x41, 0x00), Op(0x41, 0xFC, 0x00), Op(0x0E, 0x02, 0x00, 0x00, 0x00),  // br_table 0 0 0
    Op(0x0B), Op(0x1A),
    Op(0x02, 0x40), Op(0x03, 0x40), Op(0x20, 0x00), Op(0x0D, 0x01), Op(0x0B), Op(0x0B),
    Op(0x41, 0x00), Op(0x28, 0x02, 0xFC, 0xFF, 0xFF, 0xFF, 0x0F), Op(0x1A),  // i32.load offset=0xfffffffc
    Op(0x41, 0x00), Op(0x42, 0x00), Op(0x37, 0x03, 0xFC, 0xFC, 0xFC, 0xFC, 0x0F),  // i64.store
    Op(0x41, 0x00), Op(0x41, 0x00), Op(0x41, 0x00), Op(prefix: 0xFC, 0x0A, width: 3, 0x00, 0x00),  // memory.copy
    Op(0x41, 0x00), Op(0x41, 0xFC, 0x00), Op(0x41, 0x00), Op(prefix: 0xFC, 0x0B, width: 5, 0x00),  // memory.fill
    Op(0x41, 0x00), Op(0x41, 0x00), Op(0x41, 0x00), Op(prefix: 0xFC, 0x08, width: 2, 0x00, 0x00),  // memory.init 0
    Op(prefix: 0xFC, 0x09, width: 4, 0x00),  // data.drop 0
    Op([0x43] + f32Bytes), Op(prefix: 0xFC, 0x00, width: 2), Op(0x1A),  // i32.trunc_sat_f32_s
    Op([0x44] + f64Bytes), Op(prefix: 0xFC, 0x07, width: 5), Op(0x1A),  // i64.trunc_sat_f64_u
    Op(prefix: 0xFC, 0x10, width: 2, 0x00), Op(0x1A),  // table.size 0
    Op(0xD0, 0x70), Op(0x41, 0x01), Op(prefix: 0xFC, 0x0F, width: 3, 0x00), Op(0x1A),  // table.grow 0
    Op(0x41, 0x00), Op(0xD0, 0x70), Op(0x41, 0x00), Op(prefix: 0xFC, 0x11, width: 2, 0x00),  // table.fill 0
    Op(0x41, 0x00), Op(0x41, 0x00), Op(0x41, 0x00), Op(prefix: 0xFC, 0x0E, width: 4, 0x00, 0x00),  // table.copy
    Op(0x41, 0x01), Op(0x41, 0x02), Op(0x20, 0x00), Op(0x1C, 0x01, 0x7F), Op(0x1A),  // select (result i32)
    Op(0x41, 0x00), Op(0x11, 0x00, 0x00),  // call_indirect (type 0) 0
    Op(0xD2, 0x00), Op(0x1A),  // ref.func 0
    Op(0x3F, 0x00), Op(0x1A), Op(0x41, 0x00), Op(0x40, 0x00), Op(0x1A),  // memory.size, memory.grow
    Op(0x12, 0x01),  // return_call 1
    Op(0x0B),
]

/// Function 1 (SIMD, decoded but not validated by Kiln yet).
private let simdOps: [Op] = [
    Op(bytes: [0xFD, 0x0C] + v128FC), Op(bytes: [0xFD, 0x0C] + v128FC),
    Op(bytes: [0xFD, 0x0D] + Array(0..<16)),  // i8x16.shuffle
    Op(prefix: 0xFD, 0x15, width: 2, 0x03), Op(0x1A),  // i8x16.extract_lane_s 3
    Op(0x41, 0x00), Op(prefix: 0xFD, 0x00, width: 3, 0x04, 0xFC, 0x01), Op(0x1A),  // v128.load offset=252
    Op(0x41, 0x00), Op(bytes: [0xFD, 0x0C] + v128FC),
    Op(prefix: 0xFD, 0x54, width: 5, 0x00, 0xFC, 0x01, 0x05), Op(0x1A),  // v128.load8_lane offset=252 5
    Op(bytes: [0xFD, 0x0C] + v128FC), Op(prefix: 0xFD, 0x80, width: 3), Op(0x1A),  // i16x8.abs (0x80: 2 bytes minimal)
    Op(0x41, 0x00), Op(prefix: 0xFD, 0x5D, width: 2, 0x03, 0x00), Op(0x1A),  // v128.load64_zero
    Op(0x0B),
]

/// Types [] -> [] and [] -> [i32]; two functions of type 0; a funcref table; a memory;
/// function 0 exported (so `ref.func 0` is declared); one passive data segment.
private func mixedModule(padded: Bool) -> [UInt8] {
    binaryModule([
        (1, [0x02, 0x60, 0x00, 0x00, 0x60, 0x00, 0x01, 0x7F]),
        (3, [0x02, 0x00, 0x00]),
        (4, [0x01, 0x70, 0x00, 0x01]),
        (5, [0x01, 0x00, 0x01]),
        (7, [0x01, 0x01, 0x66, 0x00, 0x00]),
        (12, [0x01]),
        (10, [0x02] + body(locals: [0x01, 0x01, 0x7F], scalarOps, padded: padded)
            + body(locals: [0x00], simdOps, padded: padded)),
        (11, [0x01, 0x01, 0x00]),
    ])
}

/// binary-leb128.wast:964: sub-opcodes of 2, 3, 4 and 5 bytes.
private let specLEBModule: [UInt8] =
    [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00]
    + [0x0A, 0x1B, 0x01, 0x19, 0x00, 0x00, 0xFC, 0x80, 0x00, 0x00, 0xFC, 0x81, 0x80, 0x00, 0x00]
    + [0xFC, 0x86, 0x80, 0x80, 0x00, 0x00, 0xFC, 0x87, 0x80, 0x80, 0x80, 0x00, 0x00, 0x0B]

@Suite struct PrefixedOpcodeCanonicalizerTests {
    @Test func specModuleWithLongSubOpcodesDecodesAndValidates() throws {
        let module = try decodeModule(specLEBModule)
        #expect(module.unvalidatedFeatures.isEmpty)
        #expect(module.bodies.count == 1)
        let canonical = try PrefixedOpcodeCanonicalizer.canonicalize(specLEBModule)
        let expectedBody: [UInt8] = [0x00, 0x00, 0xFC, 0x00, 0x00, 0xFC, 0x01, 0x00, 0xFC, 0x06, 0x00, 0xFC, 0x07, 0x00, 0x0B]
        #expect(canonical == Array(specLEBModule[0..<18]) + [0x0A, 0x11, 0x01, 0x0F] + expectedBody)
    }

    @Test func overlongSubOpcodeIsMalformed() throws {
        // binary-leb128.wast:984: six bytes.
        let tooLong = moduleWithBody([0x00, 0xFC, 0x87, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00, 0x0B])
        let error = try #require(decodeError(tooLong))
        #expect(error.kind == .malformed)
        #expect(error.message == "integer representation too long")
        #expect(error.offset == tooLong.count - 8)  // the sub-opcode's first byte

        // Five bytes, the last with bits beyond the 32nd.
        let tooLarge = moduleWithBody([0x00, 0xFC, 0x87, 0x80, 0x80, 0x80, 0x10, 0x00, 0x0B])
        let large = try #require(decodeError(tooLarge))
        #expect(large.kind == .malformed)
        #expect(large.message == "integer too large")
        #expect(large.offset == tooLarge.count - 7)
    }

    @Test func unknownOpcodeAfterRewriteIsStillIllegal() throws {
        // f32.const 1; i32.trunc_sat_f32_s (fc 80 00) is fine; 0xff after it is the real problem.
        let bytes = moduleWithBody([0x43] + f32Bytes + [0xFC, 0x80, 0x00, 0x1A, 0xFF, 0x0B])
        let error = try #require(decodeError(bytes))
        #expect(error.message == "illegal opcode ff")
        // The first problem in module order is reported, not a later body's over-long sub-opcode.
        let first: [UInt8] = [0x00, 0x43] + f32Bytes + [0xFC, 0x80, 0x00, 0x1A, 0xFF, 0x0B]
        let second: [UInt8] = [0x00, 0xFC, 0x87, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1A, 0x0B]
        let two = binaryModule([
            (1, [0x01, 0x60, 0x00, 0x00]), (3, [0x02, 0x00, 0x00]),
            (10, [0x02] + leb(UInt32(first.count)) + first + leb(UInt32(second.count)) + second),
        ])
        #expect(decodeError(two)?.message == "illegal opcode ff")
        // A sub-opcode nothing defines stays illegal, in minimal form.
        let unknown = try #require(decodeError(moduleWithBody([0xFC, 0xF0, 0x80, 0x00, 0x0B])))
        #expect(unknown.message.hasPrefix("illegal opcode fc"))
    }

    @Test func moduleWithoutPrefixedOpsIsUnchanged() throws {
        let bytes = try assemble(text: """
            (module (memory 1) (global $g (mut i32) (i32.const 0))
              (func $f (param i32) (result i32)
                (block $a (block $b (br_table $a $b (local.get 0))))
                (i32.store offset=4092 (i32.const 0) (i32.const -4))
                (global.set $g (i32.const 252))
                (f64.const -0x1.cfcfcfcfcfcfcp+1000) (drop)
                (call $f (i32.load offset=65532 (i32.const 0)))))
            """)
        #expect(try PrefixedOpcodeCanonicalizer.canonicalize(bytes) == bytes)
        #expect(try PrefixedOpcodeCanonicalizer.canonicalize(specLEBModule) != specLEBModule)
    }

    @Test func mixedBodyCanonicalizes() throws {
        let minimal = mixedModule(padded: false)
        let padded = mixedModule(padded: true)
        #expect(padded != minimal)
        // Minimal encodings stay byte for byte; padded ones come back to them, sizes adjusted.
        #expect(try PrefixedOpcodeCanonicalizer.canonicalize(minimal) == minimal)
        #expect(try PrefixedOpcodeCanonicalizer.canonicalize(padded) == minimal)

        let module = try decodeModule(minimal)
        #expect(module.unvalidatedFeatures == [.simd])
        let again = try decodeModule(padded)
        #expect(again.unvalidatedFeatures == [.simd])
        #expect(again.bodies.map { Array($0.expression) } == module.bodies.map { Array($0.expression) })
    }

    /// The instruction-length decoder ends every instruction where WasmParser does.
    @Test func instructionBoundariesMatchWasmParser() throws {
        let text = """
            (module
              (type $t (func (param i32) (result i32)))
              (memory 1) (table 2 funcref) (data "abc") (elem func $f) (tag $e (param i32))
              (func $f (param i32) (result i32) (local v128 f32)
                local.get 0
                block (type $t) i32.const 1 i32.add end drop
                block $a block $b local.get 0 br_table $a $b $a end end
                i32.const 0 i64.const 0xfcfcfcfcfcfc i64.store offset=123456
                f32.const nan:0x7cfcfc f64.const nan:0xcfcfcfcfcfcfc drop drop
                i32.const 0 i32.const 0 i32.const 0 memory.copy
                i32.const 0 i32.const 0 i32.const 0 table.init 0 elem.drop 0
                i32.const 0 i32.const 0 i32.const 0 memory.init 0 data.drop 0
                ref.null func i32.const 1 table.grow drop table.size drop
                f32.const 1 i32.trunc_sat_f32_u drop
                i32.const 1 i32.const 2 local.get 0 select (result i32) drop
                i32.const 5 i32.const 0 call_indirect (type $t) drop
                v128.const i32x4 0xfcfcfcfc 0xfc 0xfc00 0xfcfc0000
                v128.const i64x2 -4 252
                i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31
                i16x8.extract_lane_u 7 drop
                i32.const 0 v128.load offset=252 align=8 local.set 1
                i32.const 0 local.get 1 v128.load16_lane offset=7 3 i16x8.abs drop
                block $h (result i32) try_table (catch $e $h) i32.const 1 throw $e end i32.const 2 end
                return_call $f))
            """
        let bytes = try assemble(text: text)
        let module = try decodeStructure(bytes)
        var instructions = 0
        for code in module.bodies {
            let expression = Array(code.expression)
            var parser = ExpressionParser(code: code)
            let base = parser.offset
            var expected: [Int] = []
            while try parser.parse() != nil { expected.append(parser.offset - base) }
            var cursor = InstructionCursor(bytes: expression, index: 0, end: expression.count)
            var found: [Int] = []
            while cursor.index < cursor.end {
                try cursor.skipInstruction()
                found.append(cursor.index)
            }
            #expect(found == expected)
            instructions += found.count
        }
        #expect(instructions > 60)
    }
}

/// The same check over every module of every spec file (about 8,800 bodies: GC,
/// exceptions, tail calls, SIMD lanes and memargs, relaxed SIMD, multi-memory, memory64),
/// and each of those modules canonicalizes to itself (binary-leb128.wast:964 excepted).
@Suite struct PrefixedOpcodeBoundarySpecTests {
    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: SpecValidationRunner.specDirectory)) ?? []
        return names.filter { $0.hasSuffix(".wast") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test(arguments: files)
    func boundaries(_ file: String) throws {
        let path = "\(SpecValidationRunner.specDirectory)/\(file).wast"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        var wast = try parseWAST(text, features: .all)
        var bodies = 0
        while let (result, _) = wast.nextDirectiveResult() {
            guard case .success(.module(let directive)) = result,
                let bytes = SpecValidationRunner.binary(of: directive.source).bytes,
                let module = try? decodeStructure(bytes)
            else { continue }
            #expect(try PrefixedOpcodeCanonicalizer.canonicalize(bytes) == bytes || file == "binary-leb128")
            for code in module.bodies {
                let expression = Array(code.expression)
                var parser = ExpressionParser(code: code)
                let base = parser.offset
                var expected: [Int] = []
                while (try? parser.parse()) != nil { expected.append(parser.offset - base) }
                var cursor = InstructionCursor(bytes: expression, index: 0, end: expression.count)
                var found: [Int] = []
                while found.count < expected.count, (try? cursor.skipInstruction()) != nil { found.append(cursor.index) }
                #expect(found == expected, "\(file): body \(bodies)")
                bodies += 1
            }
        }
        print("\(file): \(bodies) bodies")
    }
}
