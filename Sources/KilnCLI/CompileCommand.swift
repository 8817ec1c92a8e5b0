import ArgumentParser
import Foundation
import KilnABI
import KilnCompiler

/// `kiln compile IN -o OUT.so`
struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile", abstract: "Compile a .wasm or .wat module into an ELF shared object.")

    @Argument(help: "Input module (.wasm or .wat).") var input: String
    @Option(name: .shortAndLong, help: "Output shared object (default: input with .so).") var output: String?
    @Option(help: "Target ISA: x86_64 or aarch64.") var target: String = TargetISA.host.name
    @Option(help: "Funcref table set-up: image (default), checked or eager.") var tableInit: String = "image"
    @Option(help: "Code generator: optimizing (LLVM, the default) or baseline (single pass).") var tier: String?
    @Flag(name: .shortAndLong, help: "Print timings and compile throughput.") var verbose = false

    func run() throws {
        guard let isa = TargetISA(name: target) else { throw ValidationError("unknown target \(target) (x86_64, aarch64)") }
        let strategy = try parseTableInit(tableInit)
        let out = output ?? (input.split(separator: ".").dropLast().joined(separator: ".") + ".so")
        let start = Date()
        let wasm = try readModule(input)
        let soname = out.split(separator: "/").last.map(String.init) ?? out
        let artifact: Artifact
        do {
            artifact = try Compiler.compile(wasm: wasm, options: CompileOptions(target: isa, soname: soname, tableInit: strategy, tier: try parseTier(tier)))
        } catch {
            throw Failure("error: \(input): \(error)")
        }
        do {
            try ArtifactFiles.replace(out, with: artifact.bytes)
        } catch {
            throw Failure("error: cannot write \(out): \(error)")
        }
        if verbose {
            let seconds = Date().timeIntervalSince(start)
            let mbps = Double(wasm.count) / 1e6 / max(seconds, 1e-9)
            print("compiled \(input) (\(wasm.count) bytes of wasm, \(artifact.metadata.functions.count) functions) -> \(out) (\(artifact.bytes.count) bytes) in \(String(format: "%.2f", seconds * 1000)) ms, \(String(format: "%.1f", mbps)) MB/s")
        }
    }
}

/// Reads a binary module directly; text, and files that are not regular files, go the
/// way every command reads its input (``readWasm(_:)``).
private func readModule(_ path: String) throws -> [UInt8] {
    if let bytes = try? ArtifactFiles.readRegularFile(path), bytes.starts(with: [0x00, 0x61, 0x73, 0x6D]) {
        return bytes
    }
    return try readWasm(path)
}
