import AsmX64
import KilnABI
import KilnCodegen
import KilnFrontend

/// The x86-64 backend: the single-pass lowering over ``X64MacroAssembler``, then the
/// entry trampolines and host call stubs, all in one `.text`.
public struct X64Backend: Backend {
    /// Testing aid: unsupported operators become `unreachable` traps (see
    /// ``ModuleEnvironment/trapOnUnsupported``).
    public var trapOnUnsupported = false
    /// How `call_indirect` treats table slots (docs/tables.md, "Strategies").
    public var tableInit: TableInitStrategy

    public init(tableInit: TableInitStrategy = .image) { self.tableInit = tableInit }

    public var target: TargetISA { .x86_64 }

    public func compile(_ module: WasmModule) throws(CompileError) -> CompiledCode {
        var env = try ModuleEnvironment(module: module)
        env.trapOnUnsupported = trapOnUnsupported
        env.tableInit = tableInit
        env.computeLocations(X64CallingConvention.self)
        var masm = X64MacroAssembler(capacity: max(4096, module.bodies.reduce(0) { $0 + $1.expression.count } * 6))
        var code = CompiledCode()
        let imported = module.importedFunctionCount
        var starts: [Int] = []
        starts.reserveCapacity(module.bodies.count)
        for i in 0..<module.bodies.count {
            while masm.asm.offset % 16 != 0 { masm.asm.byte(0xCC) }
            let start = masm.asm.offset
            starts.append(start)
            // `consume` hands the buffer over without a second reference (no copy-on-write).
            let fc = try FunctionCompiler(masm: consume masm, env: env, functionIndex: UInt32(imported + i))
            masm = try fc.compile()
            code.functions.append((UInt32(start), UInt32(masm.asm.offset - start)))
        }
        for f in masm.callFixups {
            let target = starts[Int(f.function) - imported]
            masm.asm.patch32(at: f.at, UInt32(bitPattern: Int32(target - (f.at + 4))))
        }
        // Trampolines, per type index.
        code.entryTrampolines = Array(repeating: ArtifactMetadata.noCode, count: env.signatures.count)
        code.hostCallStubs = Array(repeating: ArtifactMetadata.noCode, count: env.signatures.count)
        for i in imported..<module.functionTypeIndices.count {
            let t = Int(module.functionTypeIndices[i])
            if code.entryTrampolines[t] != ArtifactMetadata.noCode { continue }
            while masm.asm.offset % 16 != 0 { masm.asm.byte(0xCC) }
            code.entryTrampolines[t] = UInt32(masm.asm.offset)
            masm.emitEntryTrampoline(env.signatures[t])
        }
        for i in 0..<imported {
            let t = Int(module.functionTypeIndices[i])
            if code.hostCallStubs[t] != ArtifactMetadata.noCode { continue }
            while masm.asm.offset % 16 != 0 { masm.asm.byte(0xCC) }
            code.hostCallStubs[t] = UInt32(masm.asm.offset)
            masm.emitHostCallStub(env.signatures[t])
        }
        // The lazy-init trampoline, when some table can hold lazy funcrefs.
        if !module.tables.isEmpty || !module.elements.isEmpty {
            while masm.asm.offset % 16 != 0 { masm.asm.byte(0xCC) }
            code.lazyTrampoline = UInt32(masm.asm.offset)
            masm.emitLazyTrampoline()
        }
        code.trapSites = masm.trapSites.sorted { $0.codeOffset < $1.codeOffset }
        code.text = masm.asm.bytes
        return code
    }
}
