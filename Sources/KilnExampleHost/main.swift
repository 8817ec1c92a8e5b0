// How a program embeds Kiln: load a compiled plugin, give it a host function, run two
// instances, call exports, read linear memory, and survive a trap; then, given a second
// artifact, run it as a WASI command.
//
//   kiln compile Fixtures/examples/plugin.wat -o plugin.so
//   kiln-example-host plugin.so
//   clang-16 --target=wasm32-wasi --sysroot=/usr Fixtures/wasi/hello.c -o hello.wasm
//   kiln compile hello.wasm -o hello.so
//   kiln-example-host plugin.so hello.so
import Glibc
import KilnRuntime
import KilnWASI

let path = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "plugin.so"
let engine = Engine()

do {
    // Load once; instantiate as often as needed.
    let module = try Module(contentsOf: path, engine: engine)

    // A host function the plugin imports as "host" "log": (pointer, length) of a string
    // in the caller's linear memory, read in place (nil if the guest's range is out of bounds).
    var imports = Imports()
    imports.define(module: "host", name: "log", HostFunction(parameters: [.i32, .i32], results: []) { caller, args in
        guard case .i32(let pointer) = args[0], case .i32(let length) = args[1], let memory = caller.memory else { return [] }
        let text = memory.withUnsafeBytes(at: UInt64(pointer), count: Int(length)) { String(decoding: $0, as: UTF8.self) }
        print("plugin says: \(text ?? "(out of bounds)")")
        return []
    })

    let store = Store(engine: engine)
    let first = try Instance(module: module, store: store, imports: imports)
    let second = try Instance(module: module, store: store, imports: imports)

    // The dynamic path: values in, values out.
    _ = try first.call("greet")
    _ = try first.call("greet")
    _ = try second.call("greet")
    let firstCalls = try first.typedFunction(named: "calls", results: Int32.self)
    let secondCalls = try second.typedFunction(named: "calls", results: Int32.self)
    print("calls: first \(try firstCalls()), second \(try secondCalls())")

    // The typed fast path: no boxing per call.
    let add = try first.typedFunction(named: "add", params: Int32.self, Int32.self, results: Int32.self)
    print("add(40, 2) = \(try add(40, 2))")

    // Linear memory is each instance's own (copy-on-write from the artifact's image).
    if let memory = first.memory {
        print("first memory starts with \"\(String(decoding: try memory.read(at: 0, count: 11), as: UTF8.self))\"")
    }

    // A trap is a Swift error; the instance stays usable.
    do {
        _ = try first.call("divide", [.i32(1), .i32(0)])
    } catch {
        print("caught: \(error)")
    }
    print("after the trap: add(1, 2) = \(try add(1, 2))")

    // WASI: one call adds wasi_snapshot_preview1 to the imports; the session is closed
    // after the last call. proc_exit's code comes back from runCommand.
    if CommandLine.arguments.count > 2 {
        let command = try Module(contentsOf: CommandLine.arguments[2], engine: engine)
        var wasiImports = Imports()
        let wasi = try wasiImports.defineWASI(
            WASIConfiguration(
                arguments: ["hello", "from", "the", "host"], environment: ["GREETING": "hi"],
                preopens: [PreopenDirectory(hostPath: ".", guestPath: "/work")]))
        defer { try? wasi.close() }
        let instance = try Instance(module: command, store: Store(engine: engine), imports: wasiImports)
        fflush(stdout)  // the guest writes to descriptor 1 directly, past Swift's buffer
        let status = try WASISession.runCommand(instance)
        print("the WASI command exited with \(status)")
    }
} catch {
    print("error: \(error)")
    exit(1)
}
