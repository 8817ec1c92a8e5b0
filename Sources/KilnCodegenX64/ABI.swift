import AsmX64
import KilnABI
import KilnCodegen

/// Kiln's internal calling convention on x86-64, ABI 5 (docs/abi.md): LLVM's
/// `swifttailcc` with the vmctx as its `swiftself` parameter (r13) and the table slot
/// address as its `nest` parameter (r10). Integer-class values in rdi, rsi, rdx, rcx, r8, r9;
/// floats in xmm0-xmm7; the rest on the stack in an odd number of callee-popped slots;
/// results in rax, rdx, rcx, r8 / xmm0-xmm3, or all of them in a caller-provided buffer
/// whose address comes in rax when one class has more than four. r10/r11 and
/// xmm14/xmm15 are scratch, rbp/rsp the frame. Only rbx, r12 and r15 are callee-saved
/// (`swifttailcc` preserves neither r13 nor r14) and hold register-allocated locals;
/// every other register is caller-saved.
public enum X64CallingConvention: CallingConvention {
    static let intArgs: [Reg] = [.gpr(7), .gpr(6), .gpr(2), .gpr(1), .gpr(8), .gpr(9)]
    static let intResults: [Reg] = [.gpr(0), .gpr(2), .gpr(1), .gpr(8)]
    /// Result registers per class; a signature with more results of one class returns
    /// all of them through the buffer.
    static let resultRegistersPerClass = 4

    /// rax rcx rdx rsi rdi r8 r9: the caller-saved value registers.
    public static let allocatableGPRs = RegSet([
        .gpr(0), .gpr(1), .gpr(2), .gpr(6), .gpr(7), .gpr(8), .gpr(9),
    ])
    public static let allocatableFPRs = RegSet((0..<14).map { Reg.fpr(UInt8($0)) })
    /// rbx, r12, r15 (ABI 5: `swifttailcc` preserves neither r13, the vmctx, nor r14).
    public static let calleeSavedLocalGPRs: [Reg] = [.gpr(3), .gpr(12), .gpr(15)]
    /// r9, r8: taken from the value registers when a function keeps more integer locals in
    /// registers (never a fixed-use register: not rax/rdx for division, rcx for shifts);
    /// and r14, caller-saved under `swifttailcc`: never a value register, free in a
    /// function without calls, saved around calls otherwise (a call_indirect puts the
    /// funcref in it after the locals are saved).
    public static let callerSavedLocalGPRs: [Reg] = [.gpr(9), .gpr(8), .gpr(14)]
    /// xmm13 down to xmm6, leaving xmm0-xmm5 for values.
    public static let localFPRs: [Reg] = (6..<14).reversed().map { Reg.fpr(UInt8($0)) }

    public static func parameterLocations(_ params: [ValueKind]) -> [ArgLocation] {
        assignLocations(params, integerRegisters: intArgs, floatRegisterCount: 8)
    }

    /// Registers when each class has at most four results, else every result in the
    /// buffer (`.stack(k)` = offset `8k`), as LLVM demotes a `swifttailcc` return it
    /// cannot put in registers to `sret`.
    public static func resultLocations(_ results: [ValueKind]) -> [ArgLocation] {
        let ints = results.filter(\.isIntegerClass).count
        if ints > resultRegistersPerClass || results.count - ints > resultRegistersPerClass {
            return results.indices.map { .stack($0) }
        }
        return assignLocations(results, integerRegisters: intResults, floatRegisterCount: resultRegistersPerClass)
    }

    /// `stackParameters` rounded up to odd (ABI 5, LLVM's `swifttailcc`: with the return
    /// address the area is a multiple of 16 bytes, so a tail call to a callee with a
    /// different number of stack arguments keeps `rsp` aligned). Even a function without
    /// stack parameters pops one slot.
    public static func argumentSlots(_ stackParameters: Int) -> Int { stackParameters | 1 }

    /// rax: the `sret` register of `swifttailcc` on x86-64.
    public static var resultBufferRegister: Reg { .gpr(0) }

    public static var divisionRegisters: (quotient: Reg, remainder: Reg)? { (.gpr(0), .gpr(2)) }
    public static var shiftCountRegister: Reg? { .gpr(1) }
    /// C ABI: rdi is the vmctx, then rsi, rdx, rcx, r8, r9; the result in rax.
    public static let builtinArgumentRegisters: [Reg] = [.gpr(6), .gpr(2), .gpr(1), .gpr(8), .gpr(9)]
    public static var builtinResultRegister: Reg { .gpr(0) }
    /// None: the call_indirect sequence keeps the funcref in r14 and the slot address in
    /// r10, neither allocatable, so argument placement keeps its usual scratch r11.
    public static var indirectCallScratch: Reg? { nil }
    /// rax / xmm0, the first result registers.
    public static var blockResultGPR: Reg { .gpr(0) }
    public static var blockResultFPR: Reg { .fpr(0) }
}

extension Reg {
    @inlinable var gpr: GPR { GPR(number) }
    @inlinable var xmm: XMM { XMM(number) }
}

extension GPR {
    /// Registers the code generator never allocates (docs/abi.md).
    /// The vmctx: r13, `swifttailcc`'s `swiftself` register.
    static let scratch = GPR.r11, scratch2 = GPR.r10, vmctx = GPR.r13
    /// The call_indirect sequence (docs/tables.md): the funcref, and the slot address,
    /// passed to the callee in r10 (`nest`) for the lazy trampoline. r10 is also
    /// `scratch2`, which no MacroAssembler operation uses between `loadFuncRefForCall`
    /// and the call (argument placement uses `scratch`).
    static let funcRef = GPR.r14, slotAddress = GPR.r10
}

extension XMM {
    static let scratch = XMM(15), scratch2 = XMM(14)
}
