import KilnABI
import KilnCodegen
import KilnCodegenAArch64
import Testing

/// `AArch64CallingConvention` against the facts llc-19 showed (docs/abi.md, "What `llc`
/// showed on AArch64"; `AArch64SwiftTailConventionTests` re-checks them with llc), so
/// the baseline and the optimizing tier agree on every call between them.
@Suite struct AArch64CallingConventionTests {
    typealias CC = AArch64CallingConvention

    static func x(_ n: UInt8) -> ArgLocation { .reg(.gpr(n)) }
    static func d(_ n: UInt8) -> ArgLocation { .reg(.fpr(n)) }

    /// Eight integer-class parameters in x0-x7 and eight floats in d0-d7; the ninth of
    /// each class on the stack, in parameter order (llc: the ninth i64 at `[sp]`, the
    /// ninth double at `[sp, #8]`).
    @Test func parametersFillEightRegistersPerClassThenTheStack() {
        let kinds = Array(repeating: ValueKind.i64, count: 9) + Array(repeating: ValueKind.f64, count: 9)
        let expected = (0..<8).map { Self.x($0) } + [.stack(0)] + (0..<8).map { Self.d($0) } + [.stack(1)]
        #expect(CC.parameterLocations(kinds) == expected)
    }

    /// Both classes share one sequence of stack slots: `i64, double, i64 x8, double x8`
    /// puts the ninth integer in slot 0 and the ninth double in slot 1 (llc: `[sp]`,
    /// `[sp, #8]`).
    @Test func stackSlotsAreSharedInParameterOrder() {
        let kinds: [ValueKind] = [.i64, .f64] + Array(repeating: .i64, count: 8) + Array(repeating: .f64, count: 8)
        let locations = CC.parameterLocations(kinds)
        #expect(locations[0] == Self.x(0) && locations[1] == Self.d(0))
        #expect(Array(locations[2..<9]) == (1..<8).map { Self.x($0) })
        #expect(locations[9] == .stack(0))
        #expect(Array(locations[10..<17]) == (1..<8).map { Self.d($0) })
        #expect(locations[17] == .stack(1))
    }

    /// i32 and the references are integer-class, f32 a float.
    @Test func classesOfEveryValueKind() {
        #expect(CC.parameterLocations([.i32, .funcref, .externref, .f32]) == [Self.x(0), Self.x(1), Self.x(2), Self.d(0)])
    }

    /// The callee pops `8 * roundUpToEven(n)` bytes, nothing without stack arguments
    /// (llc: plain `ret`, then 16, 16, 32, 32, 48 bytes for 1...5).
    @Test func argumentAreaIsEvenAndEmptyWithoutStackArguments() {
        #expect((0...5).map { 8 * CC.argumentSlots($0) } == [0, 16, 16, 32, 32, 48])
    }

    /// Four integer results in x0-x3 and four floats in d0-d3, each class in order.
    @Test func fourResultsPerClassInRegisters() {
        let kinds: [ValueKind] = [.i64, .f64, .i32, .f32, .funcref, .f64, .externref, .f64]
        #expect(CC.resultLocations(kinds) == [
            Self.x(0), Self.d(0), Self.x(1), Self.d(1), Self.x(2), Self.d(2), Self.x(3), Self.d(3),
        ])
        #expect(CC.resultLocations([]) == [])
    }

    /// A fifth result of one class sends all results to the buffer, result k at byte 8k,
    /// its address in x8 (Kiln's rule on both ISAs, though LLVM would take eight).
    @Test func aFifthResultOfAClassUsesTheBufferInX8() {
        let ints: [ValueKind] = [.f64] + Array(repeating: .i64, count: 5)
        #expect(CC.resultLocations(ints) == (0..<6).map { .stack($0) })
        let floats: [ValueKind] = Array(repeating: .f32, count: 5)
        #expect(CC.resultLocations(floats) == (0..<5).map { .stack($0) })
        #expect(CC.resultBufferRegister == .gpr(8))
    }

    /// Locals get x19, x21, x23-x28 (`swifttailcc` saves them; neither x20, the vmctx,
    /// nor x22); values only caller-saved registers, never the scratch registers x16/x17,
    /// the slot x18, the vmctx x20, the funcref x22 or the frame record x29/x30.
    @Test func registerRoles() {
        #expect(CC.calleeSavedLocalGPRs == [19, 21, 23, 24, 25, 26, 27, 28].map { Reg.gpr($0) })
        let calleeSaved = RegSet([19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30].map { Reg.gpr($0) })
        #expect(CC.allocatableGPRs.bits & calleeSaved.bits == 0)
        for r in [16, 17, 18, 20, 22, 29, 30] as [UInt8] { #expect(!CC.allocatableGPRs.contains(.gpr(r)), "x\(r)") }
        #expect(CC.allocatableGPRs == RegSet((0..<16).map { Reg.gpr($0) }))
        // v8-v15 are callee-saved (low halves); v30/v31 are the float scratch registers.
        for v in [8, 9, 10, 11, 12, 13, 14, 15, 30, 31] as [UInt8] { #expect(!CC.allocatableFPRs.contains(.fpr(v)), "v\(v)") }
        for r in CC.localFPRs { #expect(CC.allocatableFPRs.contains(r)) }
        for r in CC.callerSavedLocalGPRs { #expect(!calleeSaved.contains(r) || r == .gpr(22)) }
        #expect(CC.divisionRegisters == nil && CC.shiftCountRegister == nil)
        #expect(CC.builtinArgumentRegisters == (1..<8).map { Reg.gpr($0) })
        #expect(CC.builtinResultRegister == .gpr(0))
        #expect(CC.blockResultGPR == .gpr(0) && CC.blockResultFPR == .fpr(0))
    }
}
