import Foundation
import Testing

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

    func expectPasses(_ file: String, tier: String, strategy: String) throws {
        _ = try Self.aarch64Host.get()
        let result = try KilnProcess.run(["wast", "--target", "aarch64", "--tier", tier, "--table-init", strategy, file])
        let summary = result.output.split(separator: "\n").last.map(String.init) ?? ""
        #expect(summary.contains(" passed, 0 failed"), "\(file) [\(tier), \(strategy)]: \(summary)\n\(result.output.suffix(4000))")
        #expect(result.status == 0)
    }

    /// The fixture (calls, traps of every kind, memory, call_indirect, globals, host
    /// imports, registered modules, NaN payloads) for both tiers and every table strategy.
    @Test(
        .enabled(if: crossToolsInstalled, "needs qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross"),
        arguments: ["baseline", "optimizing"], ["image", "checked", "eager"])
    func fixturePassesUnderQEMU(tier: String, strategy: String) throws {
        try expectPasses(Self.fixture, tier: tier, strategy: strategy)
    }

    /// A few real spec files, both tiers, the default strategy.
    @Test(
        .enabled(if: crossToolsInstalled, "needs qemu-user, gcc-aarch64-linux-gnu and libc6-dev-arm64-cross"),
        arguments: ["core/traps.wast", "core/call_indirect.wast", "core/conversions.wast", "core/memory_trap.wast"],
        ["baseline", "optimizing"])
    func specFilePassesUnderQEMU(file: String, tier: String) throws {
        try expectPasses(SpecSuiteTests.specRoot.appendingPathComponent(file).path, tier: tier, strategy: "image")
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
