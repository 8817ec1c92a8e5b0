import KilnCompiler
import KilnRuntime

/// Where a script's modules are loaded, instantiated and called: in this process
/// (`InProcessExecutor`, the host's own ISA) or in an artifact host process, for
/// artifacts of another ISA (`ArtifactHostExecutor`; AArch64 under qemu). The script
/// session is generic over it, so the in-process path stays a direct call.
protocol ScriptExecutor: AnyObject {
    associatedtype LoadedModule
    associatedtype LiveInstance
    /// Loads a compiled artifact.
    func load(_ artifact: Artifact) throws(LoadError) -> LoadedModule
    /// Instantiates `module`, resolving each import from `spectest` or a registered
    /// instance. Unresolved imports are left out, so the runtime reports them.
    func instantiate(_ module: LoadedModule) throws(RuntimeError) -> LiveInstance
    /// Registers `instance` under `name` for later imports; nil forgets the name.
    func register(_ instance: LiveInstance?, as name: String)
    func call(_ instance: LiveInstance, _ name: String, _ args: [Value]) throws(RuntimeError) -> [Value]
    func globalValue(_ instance: LiveInstance, _ name: String) throws(RuntimeError) -> Value
}

/// Runs artifacts of the host's ISA in this process, through the public runtime API, as a
/// user's host would.
final class InProcessExecutor: ScriptExecutor {
    let host = HostEnvironment()

    func load(_ artifact: Artifact) throws(LoadError) -> KilnRuntime.Module {
        try KilnRuntime.Module(bytes: artifact.bytes, engine: host.engine)
    }

    func instantiate(_ module: KilnRuntime.Module) throws(RuntimeError) -> Instance {
        try host.instantiate(module)
    }

    func register(_ instance: Instance?, as name: String) {
        host.register(instance, as: name)
    }

    func call(_ instance: Instance, _ name: String, _ args: [Value]) throws(RuntimeError) -> [Value] {
        try instance.call(name, args)
    }

    func globalValue(_ instance: Instance, _ name: String) throws(RuntimeError) -> Value {
        try host.globalValue(instance, name)
    }
}
