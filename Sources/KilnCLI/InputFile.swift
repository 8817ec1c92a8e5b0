import ArgumentParser
import Foundation
import KilnCompiler
import KilnABI
import KilnFrontend
import KilnWAST

/// Reads a `.wasm` or `.wat` file as wasm bytes (text is assembled).
func readWasm(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read \(path)")
    }
    let bytes = [UInt8](data)
    if bytes.starts(with: [0x00, 0x61, 0x73, 0x6D]) { return bytes }
    if path.hasSuffix(".wat") || path.hasSuffix(".wast") || bytes.first.map({ $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: ";") || $0 == 0x20 || $0 == 0x0A }) == true {
        return try assemble(text: String(decoding: bytes, as: UTF8.self))
    }
    return bytes
}

/// Prints to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}

/// Prints `message` to standard error and gives the exit status to throw: a failure is
/// reported in the tool's own words, without the argument parser's "Error:" prefix.
func Failure(_ message: String) -> ExitCode {
    printError(message)
    return ExitCode.failure
}

/// Reads a `--table-init` value.
func parseTableInit(_ name: String) throws -> TableInitStrategy {
    guard let s = TableInitStrategy(name: name) else {
        throw ValidationError("unknown --table-init \(name) (image, checked, eager)")
    }
    return s
}

/// `--tier optimizing|baseline` (default: optimizing where this build has LLVM).
func parseTier(_ name: String?) throws -> CompilerTier {
    guard let name else { return .default }
    guard let tier = CompilerTier(rawValue: name) else {
        throw ValidationError("unknown --tier \(name) (optimizing, baseline)")
    }
    if tier == .optimizing && !Compiler.hasOptimizingTier {
        throw ValidationError("--tier optimizing: this build of Kiln has no LLVM (install llvm-19-dev and rebuild)")
    }
    return tier
}

/// `--target x86_64|aarch64`.
func parseTarget(_ name: String) throws -> TargetISA {
    guard let isa = TargetISA(name: name) else { throw ValidationError("unknown target \(name) (x86_64, aarch64)") }
    return isa
}

/// The artifact host for `isa` (built on first use by scripts/build-artifact-host.sh).
func artifactHostCommand(for isa: TargetISA) throws -> ArtifactHost {
    switch ArtifactHost.command(for: isa) {
    case .success(let host): return host
    case .failure(let error): throw Failure("error: \(error)")
    }
}
