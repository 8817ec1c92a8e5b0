import ArgumentParser
import Foundation
import KilnABI
import KilnCompiler
import KilnRuntime

/// `kiln run FILE --invoke NAME ARGS...`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Instantiate a module (.so, or .wasm/.wat compiled on the fly) and invoke an export.")

    @Argument(help: "A Kiln artifact (.so) or a .wasm/.wat module.") var file: String
    @Option(help: "The exported function to call (default: only run the start function).") var invoke: String?
    @Option(help: "Funcref table set-up when compiling a .wasm/.wat: image (default), checked or eager.") var tableInit: String = "image"
    @Flag(help: "Print load, instantiation and call times (microseconds) to standard error.") var timings = false
    @Argument(parsing: .allUnrecognized, help: "Arguments of the invoked function.") var args: [String] = []

    func run() throws {
        let engine = Engine()
        let clock = ContinuousClock()
        let loadStart = clock.now
        let module: Module
        do {
            if file.hasSuffix(".so") {
                module = try Module(contentsOf: file, engine: engine)
            } else {
                let artifact = try Compiler.compile(wasm: try readWasm(file), options: CompileOptions(tableInit: try parseTableInit(tableInit)))
                module = try Module(bytes: artifact.bytes, engine: engine)
            }
        } catch {
            throw Failure("error: \(file): \(error)")
        }
        let loaded = clock.now
        let store = Store(engine: engine)
        let instance: Instance
        do {
            instance = try Instance(module: module, store: store, imports: Imports())
        } catch {
            throw Failure("error: \(error)")
        }
        let instantiated = clock.now
        func report(call: Duration) {
            guard timings else { return }
            printError("timing: load=\(micros(loaded - loadStart)) instantiate=\(micros(instantiated - loaded)) call=\(micros(call))")
        }
        guard let name = invoke else {
            report(call: .zero)
            return
        }
        guard let export = module.exports.first(where: { $0.name == name }), case .function(let signature) = export.type else {
            throw Failure("error: \(file) has no exported function named \"\(name)\"")
        }
        let args = self.args.first == "--" ? Array(self.args.dropFirst()) : self.args
        guard signature.parameters.count == args.count else {
            throw Failure("error: \(name) takes \(signature.parameters.count) argument(s), \(args.count) given")
        }
        var values: [Value] = []
        for (kind, text) in zip(signature.parameters, args) {
            guard let v = parseValue(text, kind) else { throw Failure("error: cannot read \"\(text)\" as \(kind.name)") }
            values.append(v)
        }
        do {
            let callStart = clock.now
            let results = try instance.call(name, values)
            report(call: clock.now - callStart)
            for r in results { print(format(r)) }
        } catch {
            throw Failure("error: \(error)")
        }
    }
}

func parseValue(_ text: String, _ kind: ValueKind) -> Value? {
    switch kind {
    case .i32:
        if let v = Int32(text) { return .i32(UInt32(bitPattern: v)) }
        return UInt32(text).map { .i32($0) }
    case .i64:
        if let v = Int64(text) { return .i64(UInt64(bitPattern: v)) }
        return UInt64(text).map { .i64($0) }
    case .f32: return Float(text).map { .f32($0.bitPattern) }
    case .f64: return Double(text).map { .f64($0.bitPattern) }
    case .funcref: return text == "null" ? .funcref(nil) : nil
    case .externref: return text == "null" ? .externref(nil) : UInt64(text).map { .externref($0) }
    case .v128: return nil
    }
}

func format(_ v: Value) -> String {
    switch v {
    case .i32(let x): return String(Int32(bitPattern: x))
    case .i64(let x): return String(Int64(bitPattern: x))
    case .f32(let x): return String(Float(bitPattern: x))
    case .f64(let x): return String(Double(bitPattern: x))
    case .funcref(let r): return r == nil ? "null" : "funcref"
    case .externref(let r): return r.map { "externref(\($0))" } ?? "null"
    }
}

func micros(_ d: Duration) -> String {
    let (s, attos) = d.components
    return String(format: "%.1f", Double(s) * 1e6 + Double(attos) / 1e12)
}
