import KilnABI
import KilnCompiler
import KilnFrontend
import KilnRuntime

let engine = Engine()

/// Compiles WebAssembly text with the given tier and table strategy, and loads it.
func module(_ wat: String, _ tier: CompilerTier, _ strategy: TableInitStrategy = .image) throws -> Module {
    let artifact = try Compiler.compile(
        wasm: try assemble(text: wat), options: CompileOptions(tableInit: strategy, tier: tier))
    return try Module(bytes: artifact.bytes, engine: engine)
}

func instantiate(
    _ wat: String, _ tier: CompilerTier, _ strategy: TableInitStrategy = .image, imports: Imports = Imports(),
    store: Store = Store(engine: engine)
) throws -> Instance {
    try Instance(module: try module(wat, tier, strategy), store: store, imports: imports)
}

/// The trap `body` raised, or nil if it returned or failed otherwise.
func trap(_ body: () throws -> Void) -> Trap? {
    do {
        try body()
        return nil
    } catch let error as RuntimeError {
        guard case .trap(let t) = error else { return nil }
        return t
    } catch {
        return nil
    }
}

/// Bytes of an instance's exported memory `mem`.
func memoryBytes(_ instance: Instance, at offset: UInt64, count: Int) throws -> [UInt8] {
    guard case .memory(let memory)? = instance.export(named: "mem") else { throw RuntimeError.trap(Trap(kind: .unreachable)) }
    return try memory.read(at: offset, count: count)
}
