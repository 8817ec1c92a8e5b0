import KilnABI
import Testing

@testable import KilnFuzz

/// The comparison rules catch what they must and allow what the spec allows.
@Suite struct OracleTests {
    func outcome(_ calls: [CallOutcome], memory: [UInt8] = [0], globals: [(String, FuzzValue)] = []) -> RunOutcome {
        var o = RunOutcome(instantiation: .values([]))
        o.calls = calls
        o.memory = memory
        o.globals = globals
        return o
    }
    let plan = [PlannedCall(export: "e0", arguments: [])]

    @Test func aDifferentResultBitIsAMismatch() {
        let k = outcome([.values([.i32(1)])])
        let r = outcome([.values([.i32(3)])])
        #expect(Comparison.compare(kiln: k, reference: r, calls: plan, exactNaNs: false)?.slug == "result")
        #expect(Comparison.compare(kiln: r, reference: r, calls: plan, exactNaNs: true) == nil)
    }

    @Test func nanPayloadsCompareExactlyOnlyWhenAsked() {
        let k = outcome([.values([.f32(0x7FC0_0001)])])
        let r = outcome([.values([.f32(0xFFC0_0000)])])
        #expect(Comparison.compare(kiln: k, reference: r, calls: plan, exactNaNs: true) != nil)
        #expect(Comparison.compare(kiln: k, reference: r, calls: plan, exactNaNs: false) == nil)
        let notNaN = outcome([.values([.f32(0x7F80_0000)])])
        #expect(Comparison.compare(kiln: notNaN, reference: r, calls: plan, exactNaNs: false) != nil)
    }

    @Test func trapKindsCompareWithTheTableClassMerged() {
        let oob = outcome([.trap(.outOfBoundsTableAccess)])
        let undefined = outcome([.trap(.undefinedElement)])
        let div = outcome([.trap(.integerDivideByZero)])
        #expect(Comparison.compare(kiln: undefined, reference: oob, calls: plan, exactNaNs: true) == nil)
        #expect(Comparison.compare(kiln: div, reference: oob, calls: plan, exactNaNs: true)?.slug == "trap-kind")
        #expect(Comparison.compare(kiln: div, reference: outcome([.values([])]), calls: plan, exactNaNs: true)?.slug == "trap-vs-value")
    }

    @Test func finalStateIsCompared() {
        let r = outcome([.values([])], memory: [1, 2], globals: [("g1", .i64(5))])
        #expect(Comparison.compare(kiln: outcome([.values([])], memory: [1, 3], globals: [("g1", .i64(5))]), reference: r, calls: plan, exactNaNs: true)?.slug == "memory")
        #expect(Comparison.compare(kiln: outcome([.values([])], memory: [1], globals: [("g1", .i64(5))]), reference: r, calls: plan, exactNaNs: true)?.slug == "memory-size")
        #expect(Comparison.compare(kiln: outcome([.values([])], memory: [1, 2], globals: [("g1", .i64(6))]), reference: r, calls: plan, exactNaNs: true)?.slug == "global")
    }

    @Test func referenceTrapsMapToKilnTrapKinds() {
        // (module (func (export "d") (param i32) (result i32) i32.const 1 local.get 0 i32.div_u))
        let wasm: [UInt8] = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F, 0x03, 0x02, 0x01,
            0x00, 0x07, 0x05, 0x01, 0x01, 0x64, 0x00, 0x00, 0x0A, 0x09, 0x01, 0x07, 0x00, 0x41, 0x01, 0x20, 0x00, 0x6E, 0x0B,
        ]
        let run = ReferenceRunner.run(wasm)
        #expect(run?.plan.count == 3)
        #expect(run?.outcome.calls.first == .trap(.integerDivideByZero), "argument tuple 0 is all zeros")
    }
}

/// The second opinion on flag bytes: silent on valid modules, loud on issue 8's byte.
@Suite struct StructuralCheckTests {
    @Test func generatedModulesHaveNoViolation() {
        for index in 0..<200 as Range<UInt64> {
            let wasm = ModuleGenerator.generate(seed: 3, index: index).encode()
            #expect(StructuralCheck.violation(in: wasm) == nil, "module \(index)")
        }
    }

    @Test func elementFlagsNineAndDataFlagsThreeAreMalformed() {
        // (module (table 1 funcref) (elem flags 9 ...)) and (module (memory 1) (data flags 3 ...)).
        let element: [UInt8] = [
            0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x04, 0x04, 0x01, 0x70, 0x00, 0x01, 0x09, 0x03, 0x01, 0x09, 0x00,
            0x00,
        ]
        #expect(StructuralCheck.violation(in: element)?.contains("flags 9") == true)
        let data: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00, 0x05, 0x03, 0x01, 0x00, 0x01, 0x0B, 0x03, 0x01, 0x03, 0x00]
        #expect(StructuralCheck.violation(in: data)?.contains("flags 3") == true)
    }

    @Test func passiveCopiesOfGeneratedModulesStayValid() {
        for index in 0..<60 as Range<UInt64> {
            let wasm = ModuleGenerator.generate(seed: 4, index: index).encode()
            guard let copy = PassiveSegments.rewrite(wasm) else {
                Issue.record("module \(index) could not be rewritten")
                continue
            }
            #expect(ReferenceRunner.validate(copy) == .valid, "module \(index)")
        }
    }
}
