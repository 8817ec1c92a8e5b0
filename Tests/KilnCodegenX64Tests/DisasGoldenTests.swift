import Foundation
import KilnABI
import KilnCodegenX64
import KilnFrontend
import Testing

/// Whole-module golden tests: each `Fixtures/disas/x86_64/*.wat` compiles to the
/// disassembly in the `.disas` file beside it. `KILN_BLESS=1` rewrites the expectations.
@Suite struct DisasGoldenTests {
    static let dir = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/disas/x86_64")

    static var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { $0.hasSuffix(".wat") }.sorted()
    }

    @Test(arguments: fixtures) func golden(_ name: String) throws {
        let wat = try String(contentsOf: Self.dir.appendingPathComponent(name), encoding: .utf8)
        // `name.checked.wat` compiles with the `checked` table strategy (default `image`).
        let strategy: TableInitStrategy = name.contains(".checked.") ? .checked : .image
        let code = try X64Backend(tableInit: strategy).compile(try decodeModule(try assemble(text: wat)))
        var text = ""
        var starts: [Int: String] = [:]
        for (i, f) in code.functions.enumerated() { starts[Int(f.offset)] = "function \(i)" }
        for (t, o) in code.entryTrampolines.enumerated() where o != UInt32.max { starts[Int(o)] = "entry trampoline, type \(t)" }
        for (t, o) in code.hostCallStubs.enumerated() where o != UInt32.max { starts[Int(o)] = "host call stub, type \(t)" }
        if code.lazyTrampoline != UInt32.max { starts[Int(code.lazyTrampoline)] = "lazy trampoline" }
        let traps = Dictionary(code.trapSites.map { (Int($0.codeOffset), $0.kind) }, uniquingKeysWith: { a, _ in a })
        for (offset, line) in try disassemble(code.text) where line != "int3" {
            if let s = starts[offset] { text += "\n<\(s)>:\n" }
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

    func disassemble(_ bytes: [UInt8]) throws -> [(Int, String)] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var toolDir = URL(fileURLWithPath: "/usr/bin")
        for d in path.split(separator: ":") {
            let s = URL(fileURLWithPath: String(d)).appendingPathComponent("swift")
            if FileManager.default.fileExists(atPath: s.path) { toolDir = s.resolvingSymlinksInPath().deletingLastPathComponent(); break }
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-disas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let bin = tmp.appendingPathComponent("t.bin"), obj = tmp.appendingPathComponent("t.o")
        try Data(bytes).write(to: bin)
        func run(_ tool: String, _ args: [String]) throws -> String {
            let p = Process()
            p.executableURL = toolDir.appendingPathComponent(tool)
            p.arguments = args
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let d = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: d, as: UTF8.self)
        }
        _ = try run("llvm-objcopy", ["-I", "binary", "-O", "elf64-x86-64", "--rename-section", ".data=.text,code", bin.path, obj.path])
        let out = try run("llvm-objdump", ["-d", "--no-show-raw-insn", "-M", "intel", obj.path])
        return out.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(" "), let colon = line.firstIndex(of: ":"),
                let off = Int(line[..<colon].trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }
            var rest = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                .replacingOccurrences(of: "\t", with: " ")
            if let lt = rest.range(of: " <") { rest = String(rest[..<lt.lowerBound]) }  // drop symbolized targets
            return (off, rest.split(separator: " ").joined(separator: " "))
        }
    }
}
