import Foundation
import KilnABI
import KilnCodegen
import KilnCodegenAArch64
import KilnFrontend
import Testing

/// Whole modules through the shared lowering (`ModuleCompiler`, `FunctionCompiler`) into
/// `AArch64MacroAssembler`, without the compiler facade (the backend is not wired in
/// yet): each `Fixtures/disas/aarch64/*.wat` compiles without an internal failure to the
/// disassembly in the `.disas` file beside it. `KILN_BLESS=1` rewrites the expectations.
/// Nothing runs this code yet; the goldens make every change to it a reviewed text diff.
@Suite struct AArch64DisasGoldenTests {
    static let dir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/disas/aarch64")

    static var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".wat") }.sorted()
    }

    /// What `AArch64Backend` will do: the module's locations under the AArch64
    /// convention, then the shared driver over a fresh macro-assembler.
    static func compile(_ module: WasmModule, strategy: TableInitStrategy) throws -> CompiledCode {
        var env = try ModuleEnvironment(module: module)
        env.tableInit = strategy
        env.computeLocations(AArch64CallingConvention.self)
        return try ModuleCompiler.compile(module, env: env, masm: AArch64MacroAssembler())
    }

    @Test(arguments: fixtures) func golden(_ name: String) throws {
        let wat = try String(contentsOf: Self.dir.appendingPathComponent(name), encoding: .utf8)
        // `name.checked.wat` compiles with the `checked` table strategy (default `image`).
        let strategy: TableInitStrategy = name.contains(".checked.") ? .checked : .image
        let code = try Self.compile(try decodeModule(try assemble(text: wat)), strategy: strategy)
        var starts: [Int: String] = [:]
        for (i, f) in code.functions.enumerated() { starts[Int(f.offset)] = "function \(i)" }
        for (t, o) in code.entryTrampolines.enumerated() where o != UInt32.max { starts[Int(o)] = "entry trampoline, type \(t)" }
        for (t, o) in code.hostCallStubs.enumerated() where o != UInt32.max { starts[Int(o)] = "host call stub, type \(t)" }
        if code.lazyTrampoline != UInt32.max { starts[Int(code.lazyTrampoline)] = "lazy trampoline" }
        let traps = Dictionary(code.trapSites.map { (Int($0.codeOffset), $0.kind) }, uniquingKeysWith: { a, _ in a })
        var text = ""
        for (offset, line) in try Disassembly.linesWithOffsets(code.text) {
            if let s = starts[offset] { text += "\n<\(s)>:\n" }
            if line == "udf #0x0" && starts[offset] == nil && traps[offset] == nil { continue }  // padding
            let trap = traps[offset].map { "    ; trap: \($0)" } ?? ""
            text += String(format: "%6x: ", offset) + line + trap + "\n"
        }
        let expected = Self.dir.appendingPathComponent(name.replacingOccurrences(of: ".wat", with: ".disas"))
        if ProcessInfo.processInfo.environment["KILN_BLESS"] == "1" {
            try text.write(to: expected, atomically: true, encoding: .utf8)
            return
        }
        let old = (try? String(contentsOf: expected, encoding: .utf8)) ?? "<missing: run with KILN_BLESS=1>"
        #expect(text == old, "disassembly of \(name) changed; rerun with KILN_BLESS=1 if intended")
    }
}
