import KilnABI
import KilnFrontend

/// The module driver every single-pass backend shares: lowers each defined function in
/// turn into one code buffer (16-byte aligned starts), patches the direct calls once
/// every function's offset is known, then emits the per-module trampolines (one entry
/// trampoline per signature of a defined function, one host call stub per signature of
/// an imported one, the lazy-init trampoline when a table can hold lazy funcrefs). The
/// ISA-specific parts are ``MacroAssembler`` requirements.
public enum ModuleCompiler {
    public static func compile<M: MacroAssembler>(
        _ module: WasmModule, env: ModuleEnvironment, masm: consuming M
    ) throws(CompileError) -> CompiledCode {
        var masm = masm
        var code = CompiledCode()
        let imported = module.importedFunctionCount
        var starts: [Int] = []
        starts.reserveCapacity(module.bodies.count)
        for i in 0..<module.bodies.count {
            masm.alignCode(to: codeAlignment)
            let start = masm.offset
            starts.append(start)
            // `consume` hands the buffer over without a second reference (no copy-on-write).
            let fc = try FunctionCompiler(masm: consume masm, env: env, functionIndex: UInt32(imported + i))
            masm = try fc.compile()
            code.functions.append((UInt32(start), UInt32(masm.offset - start)))
        }
        for call in masm.records.directCalls {
            masm.patchDirectCall(at: call.at, to: starts[Int(call.function) - imported])
        }
        emitTrampolines(module, env: env, masm: &masm, into: &code)
        if let failure = masm.internalFailure { throw CompileError.internalError(failure) }
        code.trapSites = masm.records.sortedTrapSites
        code.text = masm.codeBytes
        return code
    }

    /// Emits the per-module trampolines at the end of `masm`'s buffer and records their
    /// offsets in `code`: one entry trampoline per signature of a defined function, one
    /// host call stub per signature of an imported one, the lazy-init trampoline when a
    /// table can hold lazy funcrefs. Both tiers use these (the ABI is shared).
    public static func emitTrampolines<M: MacroAssembler>(
        _ module: WasmModule, env: ModuleEnvironment, masm: inout M, into code: inout CompiledCode
    ) {
        let imported = module.importedFunctionCount
        code.entryTrampolines = Array(repeating: ArtifactMetadata.noCode, count: env.signatures.count)
        code.hostCallStubs = Array(repeating: ArtifactMetadata.noCode, count: env.signatures.count)
        for i in imported..<module.functionTypeIndices.count {
            let t = Int(module.functionTypeIndices[i])
            if code.entryTrampolines[t] != ArtifactMetadata.noCode { continue }
            masm.alignCode(to: codeAlignment)
            code.entryTrampolines[t] = UInt32(masm.offset)
            masm.emitEntryTrampoline(env.signatures[t])
        }
        for i in 0..<imported {
            let t = Int(module.functionTypeIndices[i])
            if code.hostCallStubs[t] != ArtifactMetadata.noCode { continue }
            masm.alignCode(to: codeAlignment)
            code.hostCallStubs[t] = UInt32(masm.offset)
            masm.emitHostCallStub(env.signatures[t])
        }
        if !module.tables.isEmpty || !module.elements.isEmpty {
            masm.alignCode(to: codeAlignment)
            code.lazyTrampoline = UInt32(masm.offset)
            masm.emitLazyTrampoline()
        }
    }

    /// Where functions and trampolines start.
    public static let codeAlignment = 16
}
