// Placeholder until the x86-64 backend lands.
import KilnABI
import KilnCodegen
import KilnFrontend

public struct X64Backend: Backend {
    public init() {}
    public var target: TargetISA { .x86_64 }
    public func compile(_ module: WasmModule) throws(CompileError) -> CompiledCode {
        throw .unsupported("x86-64 backend not built yet")
    }
}
