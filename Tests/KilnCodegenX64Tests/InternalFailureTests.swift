import KilnCodegen
import KilnCodegenX64
import Testing

/// An operand shape the x86-64 macro-assembler cannot encode is a Kiln bug; it must be
/// recorded (and reported by the function compiler as `CompileError.internalError`)
/// instead of stopping the process, as a precondition once did.
@Suite struct InternalFailureTests {
    @Test func variableShiftCountOutsideRcxIsRecorded() {
        var masm = X64MacroAssembler()
        #expect(masm.internalFailure == nil)
        masm.intBinary(.shl, .s64, dst: .gpr(0), lhs: .gpr(0), rhs: .reg(.gpr(2)))
        #expect(masm.internalFailure?.contains("shift count") == true)
    }

    @Test func threeOperandFormsX64LacksAreRecorded() {
        var masm = X64MacroAssembler()
        masm.intBinary(.xor, .s32, dst: .gpr(0), lhs: .gpr(3), rhs: .reg(.gpr(2)))
        #expect(masm.internalFailure?.contains("two-operand") == true)
    }

    @Test func theFirstFailureIsKept() {
        var masm = X64MacroAssembler()
        masm.divRem(.divS, .s32, dst: .gpr(0), lhs: .gpr(3), rhs: .gpr(2))
        masm.intBinary(.shl, .s64, dst: .gpr(0), lhs: .gpr(0), rhs: .reg(.gpr(2)))
        #expect(masm.internalFailure?.contains("division") == true)
    }
}
