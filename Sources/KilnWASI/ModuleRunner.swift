// What `kiln run` does with a loaded module, as library code the CLI only calls: give it
// WASI, instantiate it, then run the command or call the export.
import KilnRuntime

/// Runs a module the way `kiln run` (and `wasmtime run`) does: WASI preview1 is offered to
/// a module that imports it; without an export to invoke,
/// a command's `_start` runs; with one, a reactor's `_initialize` runs first.
public enum ModuleRunner {
    /// How a run ended.
    public enum Outcome: Equatable {
        /// The guest called `proc_exit` with this code, or its `_start` returned (0).
        case exited(UInt32)
        /// The invoked export returned these values.
        case returned([Value])
    }

    /// Instantiates `module` in `store` with WASI from `configuration`, then runs it. Traps
    /// and link errors are thrown; the WASI session is closed before returning.
    /// `instantiated` is called between instantiation and the first call (for timings).
    public static func run(
        _ module: Module, store: Store, configuration: WASIConfiguration,
        invoke: (name: String, arguments: [Value])? = nil, instantiated: () -> Void = {}
    ) throws -> Outcome {
        var imports = Imports()
        // Only a module that imports WASI pays for setting it up (a run of a plain module
        // stays as fast as before).
        let wasi = usesWASI(module) ? try imports.defineWASI(configuration) : nil
        defer { try? wasi?.close() }
        var instance: Instance? = nil
        let setUp = { () throws(RuntimeError) in
            let created = try Instance(module: module, store: store, imports: imports)
            instance = created
            instantiated()
            if invoke != nil { try WASISession.initializeReactor(created) }
        }
        // proc_exit in the start function or in `_initialize` ends the run there.
        if let code = try WASISession.exitCode(setUp) { return .exited(code) }
        guard let instance else { return .exited(0) }
        guard let invoke else {
            if instance.function(named: "_start") == nil { return .exited(0) }
            return .exited(try WASISession.runCommand(instance))
        }
        var results: [Value] = []
        let call = { () throws(RuntimeError) in results = try instance.call(invoke.name, invoke.arguments) }
        if let code = try WASISession.exitCode(call) { return .exited(code) }
        return .returned(results)
    }
}

/// Whether `module` imports anything from WASI preview1.
func usesWASI(_ module: Module) -> Bool {
    module.imports.contains { $0.module == WASISession.moduleName }
}
