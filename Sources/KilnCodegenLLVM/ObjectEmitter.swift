import CLLVM
#if canImport(Glibc)
import Glibc
#endif
import KilnABI
import KilnCodegen

/// LLVM's optimizer and code generator for one ISA: runs the O2 pipeline over a
/// translated module and returns the relocatable object it compiles to, in memory.
/// One per thread (a target machine is not shared between threads).
final class ObjectEmitter {
    let isa: TargetISA
    let triple: String
    let machine: LLVMTargetMachineRef
    let dataLayout: String

    /// Registers LLVM's x86-64 and AArch64 targets once per process, and sets the code
    /// generator's options (they are process-wide): implicit null checks on (off by
    /// default in LLVM; a branch marked `!make.implicit` may become a faulting load,
    /// listed in `.llvm_faultmaps`), innermost-loop alignment, the cmov converter off,
    /// induction variables kept at their width.
    private static let targetsInitialized: Bool = {
        // Innermost loops on x86-64 start at a 64-byte boundary (LLVM's default is 16): a
        // loop body that fits one cache line is fetched and predicted as a unit; an
        // interpreter loop straddling two ran 1.23x native, in one line 1.03x (Intel
        // Xeon, docs/codegen.md, "Code alignment").
        //
        // The x86 cmov converter stays off: it turns a `cmov` that loads into a branch
        // around the load, and a guarded (volatile) load of which a `select` picks another
        // operand then never runs and never traps (fuzzer finding
        // Fixtures/regressions/diff-tiers-optimizing-trap-vs-value-20261206-38090).
        //
        // Induction variables are not widened: wasm's i32 values reach addresses and calls
        // zero-extended, and LLVM's `indvars` answers each such extension with a second,
        // 64-bit copy of the induction variable. On x86-64 and AArch64 a 32-bit operation
        // zero-extends for free, so the copy only costs a register and an instruction per
        // iteration: fib's loop kept `n` twice and pushed one more callee-saved register
        // (interleaved runs on an AMD EPYC: fib 1.15x -> 0.92x native, matmul 0.99x ->
        // 0.91x, the others within noise; docs/codegen.md, "Induction variables").
        let arguments = [
            "kiln", "-enable-implicit-null-checks", "-x86-experimental-pref-innermost-loop-alignment=6",
            "-x86-cmov-converter=false", "-indvars-widen-indvars=false",
        ]
        var pointers = arguments.map { strdup($0) }
        pointers.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) {
                LLVMParseCommandLineOptions(Int32($0.count), $0.baseAddress, nil)
            }
        }
        // Not freed: LLVM may keep pointers into its arguments for the process's life.
        LLVMInitializeX86TargetInfo()
        LLVMInitializeX86Target()
        LLVMInitializeX86TargetMC()
        LLVMInitializeX86AsmPrinter()
        LLVMInitializeAArch64TargetInfo()
        LLVMInitializeAArch64Target()
        LLVMInitializeAArch64TargetMC()
        LLVMInitializeAArch64AsmPrinter()
        return true
    }()

    init(isa: TargetISA) throws(CompileError) {
        precondition(Self.targetsInitialized)
        self.isa = isa
        // The CPU features the loader checks before it runs an artifact (docs/abi.md,
        // "Target features"): nothing newer may be used.
        let features: String
        switch isa {
        case .x86_64:
            triple = "x86_64-unknown-linux-gnu"
            features = "+sse4.1,+popcnt,+lzcnt,+bmi"
        case .aarch64:
            triple = "aarch64-unknown-linux-gnu"
            features = ""
        }
        var target: LLVMTargetRef?
        var message: UnsafeMutablePointer<CChar>?
        if LLVMGetTargetFromTriple(triple, &target, &message) != 0 {
            let text = message.map { String(cString: $0) } ?? "?"
            if let message { LLVMDisposeMessage(message) }
            throw CompileError.internalError("LLVM has no target for \(triple): \(text)")
        }
        guard
            let machine = LLVMCreateTargetMachine(
                target, triple, "generic", features, LLVMCodeGenLevelDefault, LLVMRelocPIC, LLVMCodeModelSmall)
        else { throw CompileError.internalError("LLVM could not create a target machine for \(triple)") }
        self.machine = machine
        let layout = LLVMCreateTargetDataLayout(machine)!
        let layoutString = LLVMCopyStringRepOfTargetData(layout)!
        dataLayout = String(cString: layoutString)
        LLVMDisposeMessage(layoutString)
        LLVMDisposeTargetData(layout)
    }

    deinit { LLVMDisposeTargetMachine(machine) }

    /// Optimizes `translation` in place (LLVM's `default<O2>` pipeline).
    func optimize(_ translation: ModuleTranslation) throws(CompileError) {
        try run("default<O2>", on: translation)
    }

    /// Runs the pass pipeline `pipeline` (the new pass manager's syntax) on `translation`.
    func run(_ pipeline: String, on translation: ModuleTranslation) throws(CompileError) {
        let options = LLVMCreatePassBuilderOptions()!
        defer { LLVMDisposePassBuilderOptions(options) }
        if let error = LLVMRunPasses(translation.module, pipeline, machine, options) {
            let message = LLVMGetErrorMessage(error)!
            defer { LLVMDisposeErrorMessage(message) }
            throw CompileError.internalError("LLVM's optimizer failed: \(String(cString: message))")
        }
    }

    /// The object file LLVM's code generator makes of `translation`.
    func emitObject(_ translation: ModuleTranslation) throws(CompileError) -> [UInt8] {
        var buffer: LLVMMemoryBufferRef?
        var message: UnsafeMutablePointer<CChar>?
        if LLVMTargetMachineEmitToMemoryBuffer(machine, translation.module, LLVMObjectFile, &message, &buffer) != 0 {
            let text = message.map { String(cString: $0) } ?? "?"
            if let message { LLVMDisposeMessage(message) }
            throw CompileError.internalError("LLVM's code generator failed: \(text)")
        }
        defer { LLVMDisposeMemoryBuffer(buffer) }
        let start = LLVMGetBufferStart(buffer)!
        let size = LLVMGetBufferSize(buffer)
        return start.withMemoryRebound(to: UInt8.self, capacity: size) { Array(UnsafeBufferPointer(start: $0, count: size)) }
    }
}
