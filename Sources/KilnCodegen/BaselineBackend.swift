import KilnABI
import KilnFrontend

/// The baseline tier for one ISA: the shared module driver (``ModuleCompiler``) over
/// that ISA's macro-assembler (`X64Backend`, `AArch64Backend` are its two instances).
public struct BaselineBackend<M: MacroAssembler>: Backend {
    /// Testing aid: unsupported operators become `unreachable` traps (see
    /// ``ModuleEnvironment/trapOnUnsupported``).
    public var trapOnUnsupported = false
    /// How `call_indirect` treats table slots (docs/tables.md, "Strategies").
    public var tableInit: TableInitStrategy

    public init(tableInit: TableInitStrategy = .image) { self.tableInit = tableInit }

    public var target: TargetISA { M.isa }

    public func compile(_ module: WasmModule) throws(CompileError) -> CompiledCode {
        var env = try ModuleEnvironment(module: module)
        env.trapOnUnsupported = trapOnUnsupported
        env.tableInit = tableInit
        env.computeLocations(M.ABI.self)
        let wasmBytes = module.bodies.reduce(0) { $0 + $1.expression.count }
        return try ModuleCompiler.compile(module, env: env, masm: M(capacity: M.codeCapacity(wasmBytes: wasmBytes)))
    }
}
