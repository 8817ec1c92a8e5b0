import KilnABI
import KilnCodegen
import KilnFrontend

/// The AArch64 baseline backend: the shared module driver (``ModuleCompiler``) over
/// ``AArch64MacroAssembler``, the sibling of the x86-64 one.
public struct AArch64Backend: Backend {
    /// Testing aid: unsupported operators become `unreachable` traps (see
    /// ``ModuleEnvironment/trapOnUnsupported``).
    public var trapOnUnsupported = false
    /// How `call_indirect` treats table slots (docs/tables.md, "Strategies").
    public var tableInit: TableInitStrategy

    public init(tableInit: TableInitStrategy = .image) { self.tableInit = tableInit }

    public var target: TargetISA { .aarch64 }

    public func compile(_ module: WasmModule) throws(CompileError) -> CompiledCode {
        var env = try ModuleEnvironment(module: module)
        env.trapOnUnsupported = trapOnUnsupported
        env.tableInit = tableInit
        env.computeLocations(AArch64CallingConvention.self)
        // Fixed-width instructions: about 4 bytes per instruction, a few per wasm byte.
        let masm = AArch64MacroAssembler(capacity: max(4096, module.bodies.reduce(0) { $0 + $1.expression.count } * 12))
        return try ModuleCompiler.compile(module, env: env, masm: masm)
    }
}
