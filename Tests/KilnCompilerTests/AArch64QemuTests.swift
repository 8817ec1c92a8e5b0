import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

/// Issue 10: AArch64 artifacts of both tiers actually run. A small C host
/// (Fixtures/artifacts/call_export.c), cross-compiled with aarch64-linux-gnu-gcc, opens
/// the artifact with `dlopen` and calls an export through its entry trampoline under
/// `qemu-aarch64 -L /usr/aarch64-linux-gnu`. Skipped, with the reason named, when the
/// cross tools are missing (`make deps` installs them).
@Suite(.enabled(if: AArch64Qemu.missingTools.isEmpty, "needs \(AArch64Qemu.missingTools.joined(separator: ", "))"))
struct AArch64QemuTests {
    static let fib = AArch64Qemu.root.appendingPathComponent("Fixtures/examples/fib.wat")

    @Test(arguments: AArch64ArtifactTests.tiers) func fibRunsUnderQemu(tier: CompilerTier) throws {
        let wasm = try assemble(text: try String(contentsOf: Self.fib, encoding: .utf8))
        let out = try AArch64Qemu.call(wasm: wasm, tier: tier, export: "fib", argument: 20)
        #expect(out == "fib(20)=6765\n")
    }
}

/// Builds the C host once and runs exports of AArch64 artifacts with it under qemu.
enum AArch64Qemu {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sysroot = "/usr/aarch64-linux-gnu"

    static var missingTools: [String] {
        var missing: [String] = []
        for tool in ["qemu-aarch64", "aarch64-linux-gnu-gcc"] where (try? Tool.run("which", [tool]).status) != 0 {
            missing.append(tool)
        }
        if !FileManager.default.fileExists(atPath: sysroot + "/lib") { missing.append(sysroot) }
        return missing
    }

    /// The cross-compiled host, built once per test process.
    static let host: Result<URL, ToolFailure> = {
        let exe = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-call-export-\(UUID().uuidString)")
        let source = root.appendingPathComponent("Fixtures/artifacts/call_export.c").path
        guard let cc = try? Tool.run("aarch64-linux-gnu-gcc", ["-O1", "-Wall", "-Werror", "-o", exe.path, source, "-ldl"]) else {
            return .failure(ToolFailure(message: "cannot run aarch64-linux-gnu-gcc"))
        }
        guard cc.status == 0 else { return .failure(ToolFailure(message: "aarch64-linux-gnu-gcc: \(cc.stderr)")) }
        return .success(exe)
    }()

    /// Compiles `wasm` for AArch64 with `tier`, calls `export` (i32 -> i32) with
    /// `argument` under qemu and returns what the host printed (stdout, then stderr).
    static func call(wasm: [UInt8], tier: CompilerTier, export: String, argument: Int32) throws -> String {
        let exe = try host.get()
        let artifact = try Compiler.compile(wasm: wasm, options: CompileOptions(target: .aarch64, tier: tier))
        let m = artifact.metadata
        let e = try #require(m.exports.first { $0.name == export && $0.kind == .function })
        let typeIndex = m.functions[Int(e.index) - m.importedFunctionCount].typeIndex
        let so = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-qemu-\(UUID().uuidString).so")
        try Data(artifact.bytes).write(to: so)
        defer { try? FileManager.default.removeItem(at: so) }
        let run = try Tool.run(
            "qemu-aarch64",
            [
                "-L", sysroot, exe.path, so.path, export, "__kiln_entry_type\(typeIndex)",
                "\(VMContextLayout.storeContext)", "\(VMStoreContext.stackLimit)", "\(argument)",
            ])
        #expect(run.status == 0, "qemu-aarch64: \(run.stdout)\(run.stderr)")
        return run.stdout + run.stderr
    }
}

struct ToolFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
