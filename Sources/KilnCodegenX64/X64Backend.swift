import KilnABI
import KilnCodegen
import KilnFrontend

/// The x86-64 backend: the shared module driver (``ModuleCompiler``) over
/// ``X64MacroAssembler``.
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
        let masm = X64MacroAssembler(capacity: max(4096, module.bodies.reduce(0) { $0 + $1.expression.count } * 6))
        return try ModuleCompiler.compile(module, env: env, masm: masm)
    }
}
