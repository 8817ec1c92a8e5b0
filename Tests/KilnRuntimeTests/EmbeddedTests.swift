import Foundation
import Testing

/// The runtime core must stay in the Embedded Swift subset (BRIEF.md, "Runtime"). This
/// compiles KilnABI and KilnRuntime with `-enable-experimental-feature Embedded`, links a
/// small host against glibc, and runs it on the hand-assembled artifact: load, calls, a
/// host function, and traps.
@Suite struct EmbeddedTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let host = """
        import KilnABI
        import KilnRuntime

        @main struct Main {
            static func main() {
                let engine = Engine()
                do throws(LoadError) {
                    let module = try Module(contentsOf: "fixture.so", engine: engine)
                    var imports = Imports()
                    imports.define(
                        module: "env", name: "double",
                        HostFunction(parameters: [.i32], results: [.i32]) {
                            (caller: Caller, args: [Value]) throws(Trap) -> [Value] in
                            guard case .i32(let x) = args[0] else { return [] }
                            if x == 13 { throw Trap(kind: .hostError, detail: "thirteen") }
                            return [.i32(x &* 2)]
                        })
                    do throws(RuntimeError) {
                        let instance = try Instance(module: module, store: Store(engine: engine), imports: imports)
                        if case .i32(let v) = try instance.call("add", [.i32(40), .i32(2)])[0] { print("add \\(v)") }
                        if case .i32(let v) = try instance.call("callHost", [.i32(20)])[0] { print("callHost \\(v)") }
                        for name in ["boom", "recurse"] {
                            do throws(RuntimeError) { _ = try instance.call(name) } catch { print(error.description) }
                        }
                        do throws(RuntimeError) { _ = try instance.call("callHost", [.i32(13)]) } catch {
                            print(error.description)
                        }
                        do throws(RuntimeError) { _ = try instance.call("load", [.i32(1 << 30)]) } catch {
                            print(error.description)
                        }
                    } catch {
                        print("runtime error: " + error.description)
                    }
                } catch {
                    print("load error: " + error.message)
                }
            }
        }

        """

    static var toolchain: URL? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let swiftc = URL(fileURLWithPath: String(dir)).appendingPathComponent("swiftc")
            if FileManager.default.isExecutableFile(atPath: swiftc.path) {
                return swiftc.resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
            }
        }
        return nil
    }

    @discardableResult
    func run(_ args: [String], in dir: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw FixtureError(message: "\(args.prefix(3).joined(separator: " ")) failed: \(text)")
        }
        return text
    }

    static func embeddedTables(_ triple: String) -> URL? {
        guard let tc = toolchain else { return nil }
        let lib = tc.appendingPathComponent("lib/swift/embedded/\(triple)/libswiftUnicodeDataTables.a")
        return FileManager.default.fileExists(atPath: lib.path) ? lib : nil
    }

    static func tool(_ name: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
        }
    }

    /// Builds KilnABI + KilnRuntime + the small host for `triple` with Embedded Swift,
    /// links it with `cc`, runs it with `runner` on the x86-64 fixture, returns its output.
    func buildAndRun(triple: String, extraFlags: [String], cc: String, runner: [String]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-embedded-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = Self.repo.appendingPathComponent("Sources")
        let include = src.appendingPathComponent("CKilnRuntime/include")
        try "module CKilnRuntime { header \"\(include.appendingPathComponent("CKilnRuntime.h").path)\"\n export * }\n"
            .write(to: dir.appendingPathComponent("module.modulemap"), atomically: true, encoding: .utf8)
        try Self.host.write(to: dir.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        try Data(HandAssembled.standard).write(to: dir.appendingPathComponent("fixture.so"))
        func swiftFiles(_ target: String) throws -> [String] {
            let folder = src.appendingPathComponent(target)
            return try FileManager.default.subpathsOfDirectory(atPath: folder.path)
                .filter { $0.hasSuffix(".swift") }.sorted().map { folder.appendingPathComponent($0).path }
        }
        let common =
            [
                "swiftc", "-target", triple, "-enable-experimental-feature", "Embedded", "-wmo", "-parse-as-library",
                "-package-name", "kiln", "-I", dir.path, "-Xcc",
                "-fmodule-map-file=\(dir.appendingPathComponent("module.modulemap").path)",
            ] + extraFlags
        try run(
            common + ["-module-name", "KilnABI", "-emit-module", "-emit-module-path", "KilnABI.swiftmodule", "-c"]
                + (try swiftFiles("KilnABI")) + ["-o", "abi.o"], in: dir)
        try run(
            common + [
                "-module-name", "KilnRuntime", "-emit-module", "-emit-module-path", "KilnRuntime.swiftmodule", "-c",
            ]
                + (try swiftFiles("KilnRuntime")) + ["-o", "runtime.o"], in: dir)
        try run(common + ["-module-name", "Host", "-c", "main.swift", "-o", "main.o"], in: dir)
        try run(
            [
                cc, "-c", "-O2", "-I", include.path, src.appendingPathComponent("CKilnRuntime/shim.c").path, "-o",
                "shim.o",
            ],
            in: dir)
        try run(
            [
                cc, "main.o", "runtime.o", "abi.o", "shim.o", Self.embeddedTables(triple)!.path, "-lm", "-lpthread",
                "-o", "host",
            ],
            in: dir)
        return try run(runner + ["./host"], in: dir)
    }

    @Test(.enabled(if: embeddedTables("x86_64-unknown-linux-gnu") != nil, "needs the Embedded Swift libraries"))
    func coreBuildsAndRunsAsEmbeddedSwift() throws {
        let output = try buildAndRun(triple: "x86_64-unknown-linux-gnu", extraFlags: [], cc: "clang", runner: [])
        #expect(
            output == """
                add 42
                callHost 41
                wasm trap: unreachable in boom
                wasm trap: call stack exhausted in recurse
                wasm trap: host function error in env.double: thirteen
                wasm trap: out of bounds memory access in load

                """)
    }

    /// The same core cross-built for AArch64 (glibc headers from libc6-dev-arm64-cross,
    /// linked with aarch64-linux-gnu-gcc) runs under qemu and refuses the x86-64 artifact.
    @Test(
        .enabled(
            if: embeddedTables("aarch64-none-none-elf") != nil && tool("aarch64-linux-gnu-gcc") && tool("qemu-aarch64")
                && FileManager.default.fileExists(atPath: "/usr/aarch64-linux-gnu/include/stdio.h"),
            "needs the AArch64 Embedded Swift libraries, gcc-aarch64-linux-gnu and qemu-user"))
    func coreCrossBuildsForAArch64() throws {
        let output = try buildAndRun(
            triple: "aarch64-none-none-elf",
            extraFlags: ["-Xcc", "-I/usr/aarch64-linux-gnu/include", "-Xcc", "-D__linux__", "-Xcc", "-D__unix__"],
            cc: "aarch64-linux-gnu-gcc", runner: ["qemu-aarch64", "-L", "/usr/aarch64-linux-gnu"])
        #expect(
            output
                == "load error: wrong ISA: the artifact is for x86_64 (e_machine 62), this host is aarch64 (e_machine 183)\n"
        )
    }
}
