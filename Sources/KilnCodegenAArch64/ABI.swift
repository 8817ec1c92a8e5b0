import AsmAArch64
import KilnABI
import KilnCodegen

/// Kiln's internal calling convention on AArch64, ABI 5 (docs/abi.md, "Internal calling
/// convention (AArch64)"): LLVM's `swifttailcc` with the vmctx as its `swiftself`
/// parameter (x20) and the table slot address as its `nest` parameter (x18).
/// Integer-class values in x0-x7, floats in d0-d7 (s0-s7 for f32); the rest on the
/// stack in 8-byte slots, an even number of them (none without stack arguments), which
/// the callee pops; results in x0-x3 / d0-d3, or all of them in a caller-provided buffer
/// whose address comes in x8 when one class has more than four. Callee-saved are x19,
/// x21, x23-x28 and the low halves of v8-v15 (`swifttailcc` preserves neither x20 nor
/// x22); x29/x30 are the frame record. Every fact here was checked with `llc-19`
/// (`AArch64SwiftTailConventionTests`).
///
/// The baseline's register plan on top of it: x0-x15 hold values (x8 is only the
/// buffer's address at a call), x16/x17 are scratch, x22 carries the funcref of
/// `call_indirect` (like r14 on x86-64), v0-v7 and v16-v29 hold float values, v30/v31
/// are scratch; v8-v15 are left alone (a function would have to save them).
public enum AArch64CallingConvention: CallingConvention {
    static let intArgs: [Reg] = (0..<8).map { Reg.gpr(UInt8($0)) }
    static let intResults: [Reg] = (0..<4).map { Reg.gpr(UInt8($0)) }
    /// Float argument registers: d0-d7.
    static let floatArgumentCount = 8
    /// Result registers per class, on both ISAs (`LoweredSignature` decides with the same
    /// number; LLVM alone would return eight per class here).
    static let resultRegistersPerClass = 4

    /// x0-x15: every caller-saved register that is neither scratch (x16, x17), the table
    /// slot (x18) nor the funcref (x22).
    public static let allocatableGPRs = RegSet((0..<16).map { Reg.gpr(UInt8($0)) })
    /// v0-v7 and v16-v29: caller-saved, not scratch (v30, v31). v8-v15 are callee-saved
    /// (their low 64 bits) and not used.
    public static let allocatableFPRs = RegSet(((0..<8).map { $0 } + (16..<30).map { $0 }).map { Reg.fpr(UInt8($0)) })
    /// x19, x21, x23-x28: `swifttailcc`'s callee-saved registers (x20 is the vmctx, and
    /// neither it nor x22 is preserved). The last one holds the memory base when a
    /// function keeps it (``LocalRegisters`` takes it from the end).
    public static let calleeSavedLocalGPRs: [Reg] = [19, 21, 23, 24, 25, 26, 27, 28].map { Reg.gpr($0) }
    /// x15, x14: taken from the value registers (none is an argument register or has a
    /// fixed use); and x22, caller-saved under `swifttailcc` and never a value register,
    /// which a `call_indirect` sequence overwrites with the funcref after the locals are
    /// saved.
    public static let callerSavedLocalGPRs: [Reg] = [.gpr(15), .gpr(14), .gpr(22)]
    /// v29 down to v22, leaving v0-v7 and v16-v21 for values.
    public static let localFPRs: [Reg] = (22..<30).reversed().map { Reg.fpr(UInt8($0)) }

    public static func parameterLocations(_ params: [ValueKind]) -> [ArgLocation] {
        assignLocations(params, integerRegisters: intArgs, floatRegisterCount: floatArgumentCount)
    }

    /// Registers when each class has at most four results, else every result in the
    /// buffer (`.stack(k)` = offset `8k`), the rule `LoweredSignature` applies with an
    /// explicit `sret`.
    public static func resultLocations(_ results: [ValueKind]) -> [ArgLocation] {
        let ints = results.filter(\.isIntegerClass).count
        if ints > resultRegistersPerClass || results.count - ints > resultRegistersPerClass {
            return results.indices.map { .stack($0) }
        }
        return assignLocations(results, integerRegisters: intResults, floatRegisterCount: resultRegistersPerClass)
    }

    /// `stackParameters` rounded up to even: with no return address on the stack, the
    /// area alone keeps sp 16-byte aligned, and a function without stack parameters pops
    /// nothing (its `swifttailcc` callee ends in a plain `ret`).
    public static func argumentSlots(_ stackParameters: Int) -> Int { (stackParameters + 1) & ~1 }

    /// x8: the `sret` register of AAPCS64, which `swifttailcc` keeps.
    public static var resultBufferRegister: Reg { .gpr(8) }

    /// None: `sdiv`/`udiv` take any registers.
    public static var divisionRegisters: (quotient: Reg, remainder: Reg)? { nil }
    /// None: `lslv`/`lsrv`/`asrv`/`rorv` take the count in any register.
    public static var shiftCountRegister: Reg? { nil }
    /// AAPCS64: x0 is the vmctx, then x1-x7; the result in x0.
    public static let builtinArgumentRegisters: [Reg] = (1..<8).map { Reg.gpr(UInt8($0)) }
    public static var builtinResultRegister: Reg { .gpr(0) }
    /// None: the call_indirect sequence keeps the funcref in x22 and the slot address in
    /// x18, neither allocatable, so argument placement keeps its usual scratch.
    public static var indirectCallScratch: Reg? { nil }
    /// x0 / v0, the first result registers.
    public static var blockResultGPR: Reg { .gpr(0) }
    public static var blockResultFPR: Reg { .fpr(0) }
}

extension Reg {
    /// The A64 general-purpose register of a ``Reg`` of that class (x0-x30).
    @inlinable var x: GPR { GPR(number) }
    /// The A64 SIMD&FP register of a ``Reg`` of that class (v0-v31).
    @inlinable var v: FPR { FPR(number) }
}

extension GPR {
    /// The vmctx: x20, `swifttailcc`'s `swiftself` register.
    static let vmctx = GPR.x20
    /// The scratch registers (IP0/IP1), never allocated and never live across a branch
    /// to other code. `scratch` is the one ``AArch64MacroAssembler/withScratch(_:_:)``
    /// hands out and the data register of `copy`/`storeImm`; `addressScratch` only ever
    /// completes one instruction's operand (a frame offset or an immediate out of the
    /// instruction's reach), so it is free whenever `scratch` is taken.
    static let scratch = GPR.x16, addressScratch = GPR.x17
    /// The call_indirect sequence (docs/tables.md): the funcref, and the slot address,
    /// passed to the callee in x18 (`nest`) for the lazy trampoline.
    static let funcRef = GPR.x22, slotAddress = GPR.x18
}

extension FPR {
    static let scratch = FPR.v31, scratch2 = FPR.v30
}
