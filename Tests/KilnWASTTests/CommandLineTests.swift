import Foundation
import Testing

/// The `kiln` executable and the example host, run as a user would.
@Suite struct CommandLineTests {
    static let fixtures = SpecSuiteTests.packageRoot.appendingPathComponent("Fixtures")

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func compileRunAndInspectTheBundledExample() throws {
        let dir = try temporaryDirectory()
        let so = dir.appendingPathComponent("fib.so").path
        let compiled = try KilnProcess.run(["compile", Self.fixtures.appendingPathComponent("examples/fib.wat").path, "-o", so])
        #expect(compiled.status == 0, "\(compiled.output)")
        let fib = try KilnProcess.run(["run", so, "--invoke", "fib", "20"])
        #expect(fib.status == 0)
        #expect(fib.output == "6765\n")
        let checksum = try KilnProcess.run(["run", so, "--invoke", "checksum"])
        #expect(checksum.output == "1431\n")
        let trap = try KilnProcess.run(["run", so, "--invoke", "boom", "0"])
        #expect(trap.status != 0)
        #expect(trap.output.contains("wasm trap: integer divide by zero in boom"))
        let inspect = try KilnProcess.run(["inspect", so])
        #expect(inspect.status == 0)
        for expected in [".text", ".kiln.meta", ".kiln.memimg", "function \"fib\"", "image: 4096 bytes"] {
            #expect(inspect.output.contains(expected), "inspect lacks \(expected)")
        }
        let json = try KilnProcess.run(["inspect", "--json", so])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(parsed?["target"] as? String == "x86_64")
    }

    /// Issue 10: `kiln inspect` reads an artifact of either ISA without loading it, so an
    /// AArch64 artifact gives on this host the report an x86-64 one gives (both tiers);
    /// running it is still refused as a foreign ISA.
    @Test(arguments: ["baseline", "optimizing"])
    func inspectReadsAnArtifactOfTheOtherISA(tier: String) throws {
        let dir = try temporaryDirectory()
        let wat = Self.fixtures.appendingPathComponent("examples/plugin.wat").path
        var reports: [String: (text: String, json: [String: Any])] = [:]
        let foreign: String = {
            #if arch(x86_64)
                return "aarch64"
            #else
                return "x86_64"
            #endif
        }()
        for isa in ["x86_64", "aarch64"] {
            let so = dir.appendingPathComponent("\(isa).so").path
            let compiled = try KilnProcess.run(["compile", wat, "--target", isa, "--tier", tier, "-o", so])
            #expect(compiled.status == 0, "\(compiled.output)")
            let text = try KilnProcess.run(["inspect", so])
            #expect(text.status == 0, "\(isa): \(text.output)")
            let json = try KilnProcess.run(["inspect", "--json", so])
            #expect(json.status == 0, "\(isa): \(json.output)")
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
            #expect(parsed["target"] as? String == isa)
            #expect(parsed["tier"] as? String == tier)
            reports[isa] = (text.output, parsed)
            if isa == foreign {
                let run = try KilnProcess.run(["run", so, "--invoke", "add", "1", "2"])
                #expect(run.status != 0)
                #expect(run.output.contains("wrong ISA"), "\(run.output)")
            }
        }
        let x = try #require(reports["x86_64"]), a = try #require(reports["aarch64"])
        #expect(a.text.contains("target aarch64") && x.text.contains("target x86_64"))
        // Everything but the ISA, the code and the layout (the memory image is one 4 KiB or
        // 64 KiB page) is the same report.
        for key in ["exports", "imports", "tables", "globals", "tableInit", "abiVersion"] {
            let canonical = { (j: [String: Any]) in
                try JSONSerialization.data(withJSONObject: [j[key] ?? NSNull()], options: [.sortedKeys])
            }
            #expect(try canonical(x.json) == canonical(a.json), "inspect --json differs in \(key)")
        }
        let names = { (j: [String: Any]) in ((j["sections"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String } }
        #expect(names(x.json) == names(a.json))
        for expected in [".text", ".kiln.meta", ".kiln.memimg", "exports"] {
            #expect(a.text.contains(expected), "inspect of the aarch64 artifact lacks \(expected)")
        }
    }

    /// Issue 8: `--invoke NAME` and `--invoke=NAME` reach every export name, also `-` and
    /// names that start with `-` (even `--invoke`); the export's arguments may be negative.
    @Test func invokeReachesEveryExportName() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("dashes.wat")
        try """
            (module
              (func (export "-") (result i32) (i32.const 1))
              (func (export "-x") (param i32) (result i32) (local.get 0))
              (func (export "--weird") (result i32) (i32.const 3))
              (func (export "--invoke") (result i32) (i32.const 4)))
            """.write(to: input, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["--invoke", "-"], "1\n"), (["--invoke=-"], "1\n"), (["--invoke", "-x", "5"], "5\n"),
            (["--invoke", "-x", "-5"], "-5\n"), (["--invoke=-x", "6"], "6\n"), (["--invoke", "--weird"], "3\n"),
            (["--invoke=--weird"], "3\n"), (["--invoke", "--invoke"], "4\n"),
        ]
        for (arguments, expected) in cases {
            let result = try KilnProcess.run(["run", input.path] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.output)")
            #expect(result.output == expected, "\(arguments)")
            // Options before the file work the same.
            let before = try KilnProcess.run(["run"] + arguments.prefix(arguments[0].contains("=") ? 1 : 2) + [input.path] + arguments.dropFirst(arguments[0].contains("=") ? 1 : 2))
            #expect(before.output == expected, "before the file: \(arguments): \(before.output)")
        }
    }

    @Test func theExampleHostEmbedsKiln() throws {
        let dir = try temporaryDirectory()
        let so = dir.appendingPathComponent("plugin.so").path
        let compiled = try KilnProcess.run(["compile", Self.fixtures.appendingPathComponent("examples/plugin.wat").path, "-o", so])
        #expect(compiled.status == 0, "\(compiled.output)")
        let host = try KilnProcess.run(
            [so], executable: SpecSuiteTests.packageRoot.appendingPathComponent(".build/debug/kiln-example-host"))
        #expect(host.status == 0, "\(host.output)")
        #expect(
            host.output == """
                plugin says: hello, kiln
                plugin says: hello, kiln
                plugin says: hello, kiln
                calls: first 2, second 1
                add(40, 2) = 42
                first memory starts with "hello, kiln"
                caught: wasm trap: integer divide by zero in divide
                after the trap: add(1, 2) = 3

                """)
    }

    /// Every class of bad input gets a specific message and a non-zero exit, never a crash.
    @Test(arguments: [
        ("truncated.wasm", [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00] as [UInt8], "unexpected end"),
        ("badmagic.wasm", [0x00, 0x61, 0x73, 0x6E, 0x01, 0x00, 0x00, 0x00], "magic header not detected"),
        ("badversion.wasm", [0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00], "unknown binary version"),
    ])
    func malformedInputIsRejected(name: String, bytes: [UInt8], message: String) throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent(name)
        try Data(bytes).write(to: input)
        let result = try KilnProcess.run(["compile", input.path, "-o", dir.appendingPathComponent("out.so").path])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains(message), "\(result.output)")
        #expect(!result.output.contains("Program crashed"))
    }

    @Test func invalidBodyNamesFunctionAndOffset() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("invalid.wat")
        try "(module (func $f (result i32) (f64.const 1)))".write(to: input, atomically: true, encoding: .utf8)
        let result = try KilnProcess.run(["compile", input.path, "-o", dir.appendingPathComponent("out.so").path])
        #expect(result.status == 1)
        #expect(result.output.contains("type mismatch"), "\(result.output)")
        #expect(result.output.contains("function 0"), "\(result.output)")
        #expect(result.output.contains("offset 0x"), "\(result.output)")
    }

    @Test func corruptAndForeignArtifactsAreRejected() throws {
        let dir = try temporaryDirectory()
        let so = dir.appendingPathComponent("fib.so")
        _ = try KilnProcess.run(["compile", Self.fixtures.appendingPathComponent("examples/fib.wat").path, "-o", so.path])
        var bytes = [UInt8](try Data(contentsOf: so))
        // Truncated.
        let truncated = dir.appendingPathComponent("truncated.so")
        try Data(bytes[0..<100]).write(to: truncated)
        let t = try KilnProcess.run(["run", truncated.path, "--invoke", "fib", "1"])
        #expect(t.status == 1 && t.output.contains("truncated artifact"), "\(t.output)")
        // Not ELF at all.
        let text = dir.appendingPathComponent("text.so")
        try "hello".write(to: text, atomically: true, encoding: .utf8)
        let n = try KilnProcess.run(["run", text.path, "--invoke", "fib", "1"])
        #expect(n.status == 1 && n.output.contains("not an ELF file"), "\(n.output)")
        // Wrong ISA: e_machine = AArch64.
        bytes[18] = 183
        bytes[19] = 0
        let foreign = dir.appendingPathComponent("foreign.so")
        try Data(bytes).write(to: foreign)
        let w = try KilnProcess.run(["run", foreign.path, "--invoke", "fib", "1"])
        #expect(w.status == 1 && w.output.contains("wrong ISA"), "\(w.output)")
    }
}
