import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import KilnRuntime
import Testing

/// Inputs that broke Kiln when it was tried from outside (copied from the shared
/// regressions folder into Fixtures/regressions), each pinned to what it should do.
@Suite struct RegressionInputTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/regressions")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// Valid modules (wasm-tools validates them, Wasmtime runs them) whose i64 shifts by
    /// a constant count beyond Int32 once stopped the compiler with a precondition
    /// failure. They compile under every table strategy; instantiation (the first file's
    /// start function traps) and then every export end in a result or a trap.
    @Test(arguments: ["crash-wasm-issue8-compiler-crash-int-binary-1.wasm", "crash-wasm-issue8-compiler-crash-int-binary-2.wasm"])
    func compilesAndRuns(_ name: String) throws {
        let wasm = try Self.bytes(name)
        for strategy in TableInitStrategy.allCases {
            let artifact = try Compiler.compile(wasm: wasm, options: CompileOptions(tableInit: strategy))
            let engine = Engine()
            let module = try Module(bytes: artifact.bytes, engine: engine)
            let instance: Instance
            do {
                instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
            } catch RuntimeError.trap {
                continue  // the start function trapped: a result too
            }
            var calls = 0
            for export in module.exports {
                guard case .function(let signature) = export.type, signature.parameters.isEmpty else { continue }
                do {
                    _ = try instance.call(export.name, [])
                } catch RuntimeError.trap {
                    // A trap is a result like any other here; the fuzzer's replay compares
                    // results and trap kinds with the reference interpreter.
                }
                calls += 1
            }
            #expect(calls > 0)
        }
    }
}
