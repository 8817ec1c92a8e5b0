import Foundation
import Testing

import KilnABI
import KilnCompiler
import KilnFuzz
import KilnRuntime

@testable import KilnWAST

/// Issue 10: AArch64 artifacts run here. `kiln wast --target aarch64` compiles each module
/// for AArch64 in this process and runs it in the artifact host (the runtime core built
/// with Embedded Swift for AArch64, under qemu-aarch64); the assertions and the summary
/// are the in-process runner's. Skipped, with the reason, where the cross tools are missing.
@Suite struct ArtifactHostTests {
    static let fixture = SpecSuiteTests.packageRoot.appendingPathComponent("Fixtures/wast/artifact-host.wast").path

    static func tool(_ name: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
        }
    }

    static let crossToolsInstalled =
        tool("qemu-aarch64") && tool("aarch64-linux-gnu-gcc")
        && FileManager.default.fileExists(atPath: "/usr/aarch64-linux-gnu/include/stdio.h")

    /// Built once, before the `kiln wast` processes that use it start.
    static let aarch64Host: Result<ArtifactHost, ArtifactHostError> = ArtifactHost.command(for: .aarch64)

    func expectPasses(_ files: [String], tier: String, strategy: String) throws {
        _ = try Self.aarch64Host.get()
        let result = try KilnProcess.run(
            ["wast", "--target", "aarch64", "--tier", tier, "--table-init", strategy] + files)
        let summary = result.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.contains(" passed, 0 failed"), "\(files) [\(tier), \(strategy)]: \(summary)\n\(result.output.suffix(4000))")
        #expect(result.status == 0)
    }

    func expectPasses(_ file: String, tier: String, strategy: String) throws {
        try expectPasses([file], tier: tier, strategy: strategy)
    }

    static func spec(_ names: [String]) -> [String] {
        names.map { SpecSuiteTests.specRoot.appendingPathComponent("core/\($0).wast").path }
    }

    /// Spec files that together cover every instruction group: integer and float
    /// arithmetic, comparisons and bit operations, conversions (trapping and saturating),
    /// loads and stores of every width, memory growth and bulk memory, control flow and
    /// br_table, calls, indirect calls and tail calls, stack exhaustion, locals and
    /// globals, tables and reference instructions, linking and start functions, traps.
    static let instructionGroups = spec([
        "i32", "i64", "int_exprs", "f32_bitwise", "f64_bitwise", "float_exprs", "float_misc", "float_memory",
        "conversions", "address", "memory_grow", "memory_trap", "memory_copy", "memory_fill", "memory_init", "bulk",
        "data", "br_table", "br_if", "loop", "if", "block", "select", "labels", "call", "call_indirect", "fac",
        "return_call", "return_call_indirect", "stack", "local_tee", "global", "table_get", "table_set", "table_grow",
        "table_fill", "table_copy", "table_init", "elem", "ref_func", "ref_null", "linking", "imports", "start",
        "traps", "unreachable",
    ])

    /// The spec files whose code depends on the table strategy.
    static let tableFiles = spec([
        "call_indirect", "return_call_indirect", "table_get", "table_set", "table_grow", "table_fill", "table_copy",
        "table_init", "elem", "ref_func", "linking", "bulk",
    ])

    /// The fixture (calls, traps of every kind, memory, call_indirect, globals, host
    /// imports, registered modules, NaN payloads) for both tiers and every table strategy.
    @Test(
        .enabled(if: crossToolsInstalled, "needs qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross"),
        arguments: ["baseline", "optimizing"], ["image", "checked", "eager"])
    func fixturePassesUnderQEMU(tier: String, strategy: String) throws {
        try expectPasses(Self.fixture, tier: tier, strategy: strategy)
    }

    /// Every instruction group (``instructionGroups``: 46 spec files, about 14,000
    /// assertions), both tiers, the default strategy; one host process per file.
    @Test(
        .enabled(if: crossToolsInstalled, "needs qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross"),
        arguments: ["baseline", "optimizing"])
    func instructionGroupsPassUnderQEMU(tier: String) throws {
        try expectPasses(Self.instructionGroups, tier: tier, strategy: "image")
    }

    /// The table files under the two other strategies, both tiers.
    @Test(
        .enabled(if: crossToolsInstalled, "needs qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross"),
        arguments: ["baseline", "optimizing"], ["checked", "eager"])
    func tableFilesPassUnderQEMU(tier: String, strategy: String) throws {
        try expectPasses(Self.tableFiles, tier: tier, strategy: strategy)
    }

    /// A function of more than 1 MiB of AArch64 code, beyond `b.cond`/`cbz`'s reach: the
    /// division's zero check at its start branches to a trap at its end, the loop's
    /// `br_if` at its end back to its start. `f(n)` adds 1 to a local `copies` times per
    /// iteration (through an f64 round trip, each with its trapping-conversion checks), n
    /// iterations; `f(0)` divides by zero first.
    static func hugeFunction(copies: Int) -> [UInt8] {
        var code: [UInt8] = [0x01, 0x01, 0x7F]  // one local: i32
        code += [0x41, 100, 0x20, 0, 0x6D, 0x21, 1]  // local1 = 100 / n
        code += [0x41, 0, 0x21, 1, 0x03, 0x40]  // local1 = 0; loop
        for _ in 0..<copies {
            // local1 = i32.trunc_f64_s(f64.convert_i32_s(local1)) + 1
            code += [0x20, 1, 0xB7, 0xAA, 0x41, 1, 0x6A, 0x21, 1]
        }
        code += [0x20, 0, 0x41, 1, 0x6B, 0x22, 0, 0x0D, 0, 0x0B]  // n -= 1; br_if loop; end
        code += [0x20, 1, 0x0B]
        var body = WasmEncoder()
        body.u32(1)
        body.u32(UInt32(code.count))
        body.append(code)
        var module = WasmEncoder()
        module.append([0x00, 0x61, 0x73, 0x6D, 1, 0, 0, 0])
        module.section(1, [1, 0x60, 1, 0x7F, 1, 0x7F])
        module.section(3, [1, 0])
        module.section(7, [1, 1, 0x66, 0x00, 0])
        module.section(10, body.bytes)
        return module.bytes
    }

    @Test(.enabled(if: crossToolsInstalled, "needs qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross"))
    func branchesReachAcrossAHugeFunction() throws {
        _ = try Self.aarch64Host.get()
        let copies = 40_000
        let wasm = Self.hugeFunction(copies: copies)
        let artifact = try Compiler.compile(
            wasm: wasm, options: CompileOptions(target: .aarch64, tier: .baseline))
        let size = try #require(artifact.metadata.functions.first).codeSize
        #expect(size > 1 << 20, "the function is \(size) bytes: not beyond a short branch's reach")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-huge-\(UUID()).wasm")
        try Data(wasm).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let run = try KilnProcess.run(["run", "--target", "aarch64", "--tier", "baseline", file.path, "--invoke", "f", "3"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output == "\(3 * copies)\n")
        let trap = try KilnProcess.run(["run", "--target", "aarch64", "--tier", "baseline", file.path, "--invoke", "f", "0"])
        #expect(trap.status == 134)
        #expect(trap.output.contains("integer divide by zero"), "\(trap.output)")
    }

    /// `kiln run --target aarch64 FILE --invoke NAME ARGS` goes through the same host.
    @Test(.enabled(if: crossToolsInstalled, "needs qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross"))
    func runInvokesThroughTheHost() throws {
        _ = try Self.aarch64Host.get()
        let fib = SpecSuiteTests.packageRoot.appendingPathComponent("Fixtures/examples/fib.wat").path
        let result = try KilnProcess.run(["run", "--target", "aarch64", fib, "--invoke", "fib", "20"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output == "6765\n")
        let trap = try KilnProcess.run(["run", "--target", "aarch64", fib, "--invoke", "boom", "0"])
        #expect(trap.status == 134)
        #expect(trap.output.contains("wasm trap: integer divide by zero in boom"), "\(trap.output)")
    }

    /// The same host built for x86-64 runs the fixture natively (`kiln wast --artifact-host`):
    /// the protocol checked without qemu.
    @Test func fixturePassesThroughTheX86Host() throws {
        guard case .success = ArtifactHost.command(for: .x86_64) else {
            Issue.record("cannot build the x86_64 artifact host")
            return
        }
        let result = try KilnProcess.run(["wast", "--artifact-host", "--tier", "baseline", Self.fixture])
        #expect(result.output.hasSuffix(" passed, 0 failed\n"), "\(result.output.suffix(4000))")
    }

    /// A host that dies is reported as the failure of what was pending, never a hang.
    @Test func aCrashingHostIsReported() {
        let runner = WASTRunner(
            artifactHost: ArtifactHost(command: ["/bin/sh", "-c", "read line; kill -SEGV $$"], timeoutSeconds: 30))
        let report = runner.run(script: "(module (func (export \"f\")))\n(invoke \"f\")", fileName: "crash.wast")
        #expect(report.failed >= 1)
        #expect(report.failures.first?.contains("killed by signal 11") == true, "\(report.failures)")
    }

    /// A host that stops answering is killed after the timeout.
    @Test func aSilentHostTimesOut() {
        let runner = WASTRunner(artifactHost: ArtifactHost(command: ["/bin/sh", "-c", "sleep 60"], timeoutSeconds: 1))
        let report = runner.run(script: "(module (func (export \"f\")))", fileName: "hang.wast")
        #expect(report.failures.first?.contains("did not answer within 1 s") == true, "\(report.failures)")
    }

    /// Values cross the protocol bit-exactly, NaN payloads included.
    @Test func valuesRoundTripBitExactly() {
        let values: [Value] = [
            .i32(0), .i32(.max), .i64(0x8000_0000_0000_0001), .f32(0x7fa0_0001), .f32(0xffff_ffff),
            .f64(0x7ff0_0000_0000_0001), .f64(0x8000_0000_0000_0000), .funcref(nil), .externref(nil),
            .externref(0), .externref(.max),
        ]
        for v in values {
            #expect(Wire.value(Array(Wire.encode(v).utf8)) == v)
        }
        let text = "naïve \"name\" with spaces\n"
        #expect(Wire.text(Array(Wire.hex(text).utf8)) == text)
        #expect(Wire.text(Array(Wire.hex("").utf8)) == "")
    }
}
