import Foundation
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

/// The instructions of every function symbol in an artifact, by symbol name, as
/// `llvm-objdump -d --no-show-raw-insn` prints them (mnemonic and operands, tab-joined
/// into one space-separated line).
func disassembly(of artifact: Artifact) throws -> [String: [String]] {
    try addressedDisassembly(of: artifact).mapValues { $0.map(\.text) }
}

/// ``disassembly(of:)`` with each instruction's address.
func addressedDisassembly(of artifact: Artifact) throws -> [String: [(address: UInt64, text: String)]] {
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-disas-\(UUID()).so")
    try Data(artifact.bytes).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["llvm-objdump", "-d", "--no-show-raw-insn", file.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw DisassemblyFailed() }
    var functions: [String: [(address: UInt64, text: String)]] = [:]
    var current: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasSuffix(">:"), let open = line.firstIndex(of: "<") {
            current = String(line[line.index(after: open)..<line.index(line.endIndex, offsetBy: -2)])
            functions[current!] = []
        } else if line.isEmpty {
            current = nil
        } else if let name = current {
            let fields = line.split(separator: "\t")
            let address = fields.first.flatMap { UInt64($0.trimmingCharacters(in: .whitespaces).dropLast(), radix: 16) }
            functions[name]!.append((address ?? 0, fields.dropFirst().joined(separator: " ")))
        }
    }
    return functions
}

struct DisassemblyFailed: Error {}
