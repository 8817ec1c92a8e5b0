import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

/// Issue 10: an AArch64 artifact (both tiers) is as clean an ELF shared object as an
/// x86-64 one: `Machine: AArch64`, the documented sections, 64 KiB pages, no readelf
/// warnings, no eu-elflint errors, wasm function names in llvm-objdump, and the `$x`/`$d`
/// mapping symbols.
@Suite struct AArch64ArtifactTests {
    /// Memory with data, a table with elements, an import, exports of every kind, float
    /// constants and a `br_table` (what LLVM puts in constant pools and jump tables).
    static let module = """
        (module
          (import "env" "log" (func $log (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 8) "kiln artifact")
          (table (export "table") 4 funcref)
          (elem (i32.const 0) $pick $scale $call_log)
          (global (export "answer") i32 (i32.const 42))
          (type $t (func (param i32) (result i32)))
          (func $pick (export "pick") (param i32) (result i32)
            (block $d (block $c (block $b (block $a
              (br_table $a $b $c $d (local.get 0)))
              (return (i32.const 10)))
              (return (i32.const 21)))
              (return (i32.const 32)))
            (i32.const 43))
          (func $scale (export "scale") (param i32) (result i32)
            (i32.trunc_f64_s (f64.mul (f64.convert_i32_s (local.get 0)) (f64.const 3.14159265358979))))
          (func $call_log (param i32) (result i32) (call $log (local.get 0)) (i32.load8_u (local.get 0)))
          (func (export "dispatch") (param i32 i32) (result i32)
            (call_indirect (type $t) (local.get 1) (local.get 0))))
        """

    static var objdumpPath: String {
        get throws {
            let swift = try Tool.run("which", ["swift"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            return URL(fileURLWithPath: swift).resolvingSymlinksInPath().deletingLastPathComponent()
                .appendingPathComponent("llvm-objdump").path
        }
    }

    func artifact(_ tier: CompilerTier) throws -> URL {
        let options = CompileOptions(target: .aarch64, tier: tier)
        let artifact = try Compiler.compile(wasm: try assemble(text: Self.module), options: options)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-a64-\(tier)-\(UUID().uuidString).so")
        try Data(artifact.bytes).write(to: url)
        return url
    }

    static var tiers: [CompilerTier] { Compiler.hasOptimizingTier ? [.baseline, .optimizing] : [.baseline] }

    @Test(arguments: tiers) func readelfAndElflintFindNoProblems(tier: CompilerTier) throws {
        let so = try artifact(tier)
        defer { try? FileManager.default.removeItem(at: so) }
        let readelf = try Tool.run("readelf", ["-W", "-a", so.path])
        #expect(readelf.status == 0)
        #expect(readelf.stderr.isEmpty, "readelf wrote to stderr: \(readelf.stderr)")
        #expect(!readelf.stdout.contains("Warning") && !readelf.stdout.contains("Error"), "\(readelf.stdout)")
        #expect(readelf.stdout.contains("Machine:                           AArch64"))
        for section in [
            ".text", ".dynamic", ".dynsym", ".dynstr", ".hash", ".gnu.hash", ".symtab", ".strtab",
            SectionName.metadata, SectionName.checksum, SectionName.memoryImage, SectionName.lazyFuncRefs,
            SectionName.tableImage(0),
        ] {
            #expect(readelf.stdout.contains(" \(section) "), "readelf lacks \(section)")
        }
        // Every PT_LOAD is aligned to 64 KiB (TargetISA.artifactPageSize).
        let loads = readelf.stdout.split(separator: "\n").filter { $0.contains("  LOAD ") }
        #expect(loads.count == 3)
        for load in loads { #expect(load.hasSuffix("0x10000"), "\(load)") }
        let lint = try Tool.run("eu-elflint", ["--gnu-ld", so.path])
        #expect(lint.stdout.contains("No errors"), "\(lint.stdout)\(lint.stderr)")
    }

    @Test(arguments: tiers) func objdumpShowsWasmNamesAndNoDataAsCode(tier: CompilerTier) throws {
        let so = try artifact(tier)
        defer { try? FileManager.default.removeItem(at: so) }
        let out = try Tool.run(try Self.objdumpPath, ["-d", so.path])
        #expect(out.status == 0, "\(out.stderr)")
        for name in ["<pick>:", "<scale>:", "<dispatch>:", "<__kiln_entry_type"] {
            #expect(out.stdout.contains(name), "llvm-objdump lacks \(name)")
        }
        let symbols = try Tool.run("readelf", ["-W", "-s", so.path]).stdout.split(separator: "\n")
        let mapping = symbols.filter { $0.hasSuffix(" $x") || $0.hasSuffix(" $d") }
        #expect(mapping.contains { $0.hasSuffix(" $x") }, "no $x mapping symbol")
        for m in mapping { #expect(m.contains("NOTYPE  LOCAL  DEFAULT"), "\(m)") }
        // The optimizing tier's jump table and constant pool lie in `.text` behind a `$d`
        // (and code after them behind a `$x`); the baseline puts no data there.
        let data = mapping.filter { $0.hasSuffix(" $d") }
        if tier == .optimizing {
            #expect(!data.isEmpty, "no $d for the optimizing tier's read-only data")
            // llvm-objdump shows data behind a `$d` as `.word`s, not instructions.
            #expect(out.stdout.contains(".word"), "no data shown as data")
        } else {
            #expect(data.isEmpty, "\(data)")
        }
    }
}

/// Runs a tool from PATH, keeping stdout and stderr apart.
enum Tool {
    static func run(_ tool: String, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so neither fills and blocks the tool.
        var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
