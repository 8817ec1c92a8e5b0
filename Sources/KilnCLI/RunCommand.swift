import ArgumentParser
import Foundation
import KilnABI
import KilnCompiler
import KilnRuntime
import KilnWASI
import KilnWAST

/// `kiln run [--env NAME=VALUE]... [--dir HOST[::GUEST]]... FILE [ARGS...]` runs a WASI
/// command as `wasmtime run` does; `kiln run FILE --invoke NAME ARGS...` calls an export.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a module (.so, or .wasm/.wat compiled on the fly): a WASI command's _start, or an export.",
        discussion: """
            Without --invoke, a WASI command runs with ARGS as its arguments (argv[0] is FILE) and \
            stdin, stdout and stderr passed through; kiln exits with the program's exit code, or 134 \
            after a trap. Kiln's options may come before or after FILE; put ARGS that look like one \
            of them after `--`.
            """)

    @Option(name: .customLong("env"), help: ArgumentHelp("Give the guest an environment variable.", valueName: "NAME=VALUE"))
    var environment: [String] = []
    @Option(name: .customLong("dir"), help: ArgumentHelp("Preopen a host directory, under GUEST if given.", valueName: "HOST[::GUEST]"))
    var directories: [String] = []
    @Option(
        parsing: .unconditional,
        help: "Call this export (any name, even `-` or one starting with `-`; also --invoke=NAME) with ARGS; a reactor's _initialize runs first.")
    var invoke: String?
    @Option(help: "Funcref table set-up when compiling a .wasm/.wat: image (default), checked or eager.") var tableInit: String = "image"
    @Option(help: "Code generator: optimizing (LLVM, the default) or baseline (single pass).") var tier: String?
    @Flag(help: "Print load, instantiation and call times (microseconds) to standard error.") var timings = false
    @Option(help: "Target ISA of a .wasm/.wat compiled on the fly: another ISA than this machine's runs in the artifact host (under qemu), --invoke only.")
    var target: String = TargetISA.host.name
    @Argument(help: "A Kiln artifact (.so) or a .wasm/.wat module.") var file: String
    @Argument(parsing: .allUnrecognized, help: "The program's arguments, or those of the invoked export.") var args: [String] = []

    func run() throws {
        let isa = try parseTarget(target)
        if isa != .host { return try runInArtifactHost(isa) }
        let engine = Engine()
        let clock = ContinuousClock()
        let loadStart = clock.now
        let module: Module
        do {
            if file.hasSuffix(".so") {
                module = try Module(contentsOf: file, engine: engine)
            } else {
                let artifact = try Compiler.compile(wasm: try readWasm(file), options: CompileOptions(tableInit: try parseTableInit(tableInit), tier: try parseTier(tier)))
                module = try Module(bytes: artifact.bytes, engine: engine)
            }
        } catch {
            throw Failure("error: \(file): \(error)")
        }
        let loaded = clock.now
        let args = self.args.first == "--" ? Array(self.args.dropFirst()) : self.args
        var wasi = WASIConfiguration(arguments: [file] + (invoke == nil ? args : []))
        for entry in environment {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("--env takes NAME=VALUE, not \"\(entry)\"")
            }
            wasi.environment[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        for directory in directories {
            guard let preopen = PreopenDirectory(parsing: directory) else {
                throw ValidationError("--dir takes HOST or HOST::GUEST, not \"\(directory)\"")
            }
            wasi.preopens.append(preopen)
        }
        var call: (name: String, arguments: [Value])? = nil
        if let name = invoke {
            guard let export = module.exports.first(where: { $0.name == name }), case .function(let signature) = export.type else {
                throw Failure("error: \(file) has no exported function named \"\(name)\"")
            }
            call = (name, try arguments(args, for: name, parameters: signature.parameters))
        }
        let outcome: ModuleRunner.Outcome
        var instantiated = loaded
        do {
            outcome = try ModuleRunner.run(
                module, store: Store(engine: engine), configuration: wasi, invoke: call, instantiated: { instantiated = clock.now })
        } catch RuntimeError.trap(let trap) {
            printError("error: \(trap)")
            throw ExitCode(134)  // as `wasmtime run` after a trap: 128 + SIGABRT
        } catch {
            throw Failure("error: \(error)")
        }
        if timings {
            let end = clock.now
            printError("timing: load=\(micros(loaded - loadStart)) instantiate=\(micros(instantiated - loaded)) call=\(micros(end - instantiated))")
        }
        switch outcome {
        case .returned(let results):
            for r in results { print(format(r)) }
        case .exited(0):
            return
        case .exited(let code):
            guard code <= 255 else { throw Failure("error: the program exited with \(code), which is not an exit status") }
            throw ExitCode(Int32(code))
        }
    }
}

extension RunCommand {
    /// `--target` names another ISA: compile for it and call the export in the artifact
    /// host (Sources/KilnArtifactHost), which imports only `spectest`; no WASI there.
    func runInArtifactHost(_ isa: TargetISA) throws {
        guard let name = invoke else {
            throw Failure("error: --target \(isa.name) runs an export (--invoke NAME); WASI commands run only for this machine's ISA")
        }
        guard !file.hasSuffix(".so") else {
            throw Failure("error: --target \(isa.name) takes a .wasm or .wat file (compiled for \(isa.name) on the fly)")
        }
        let artifact: Artifact
        do {
            artifact = try Compiler.compile(
                wasm: try readWasm(file),
                options: CompileOptions(target: isa, tableInit: try parseTableInit(tableInit), tier: try parseTier(tier)))
        } catch {
            throw Failure("error: \(file): \(error)")
        }
        let metadata = artifact.metadata
        guard let export = metadata.exports.first(where: { $0.name == name && $0.kind == .function }) else {
            throw Failure("error: \(file) has no exported function named \"\(name)\"")
        }
        let index = Int(export.index)
        var typeIndex: UInt32 = 0
        if index < metadata.importedFunctionCount {
            let functionImports = metadata.imports.compactMap { i -> UInt32? in
                if case .function(let t) = i.kind { return t }
                return nil
            }
            typeIndex = functionImports[index]
        } else {
            typeIndex = metadata.functions[index - metadata.importedFunctionCount].typeIndex
        }
        let signature = metadata.types[Int(typeIndex)]
        let args = self.args.first == "--" ? Array(self.args.dropFirst()) : self.args
        let values = try arguments(args, for: name, parameters: signature.parameters)
        let host = try artifactHostCommand(for: isa)
        do {
            for r in try host.invoke(artifact: artifact.bytes, export: name, arguments: values) { print(format(r)) }
        } catch RuntimeError.trap(let trap) {
            printError("error: \(trap)")
            throw ExitCode(134)
        } catch {
            throw Failure("error: \(error)")
        }
    }
}

/// The command line's ARGS read as the parameters of export `name` (`--invoke`), with an
/// error naming what does not fit.
func arguments(_ args: [String], for name: String, parameters: [ValueKind]) throws -> [Value] {
    guard parameters.count == args.count else {
        throw Failure("error: \(name) takes \(parameters.count) argument(s), \(args.count) given")
    }
    return try zip(parameters, args).map { kind, text in
        guard let v = parseValue(text, kind) else { throw Failure("error: cannot read \"\(text)\" as \(kind.name)") }
        return v
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
