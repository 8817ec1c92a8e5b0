import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import Testing

/// A compiled artifact is a well-formed shared object for the standard tools: readelf
/// and eu-elflint find nothing wrong, objdump shows wasm function names, the system
/// loader opens it and `nm -D` lists the exports.
@Suite struct ArtifactToolsTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/examples/fib.wat")

    func compiledFixture() throws -> URL {
        let text = try String(contentsOf: Self.fixture, encoding: .utf8)
        let artifact = try Compiler.compile(wasm: try assemble(text: text))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-tools-\(UUID().uuidString).so")
        try Data(artifact.bytes).write(to: url)
        return url
    }

    func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [tool] + args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(tool) failed: \(out)")
        return out
    }

    @Test func readelfAndElflintFindNoProblems() throws {
        let so = try compiledFixture()
        let readelf = try run("readelf", ["-W", "-a", so.path])
        #expect(!readelf.contains("Warning") && !readelf.contains("Error"), "\(readelf)")
        for section in [".text", SectionName.metadata, SectionName.memoryImage, ".dynsym", ".symtab"] {
            #expect(readelf.contains(section))
        }
        let lint = try run("eu-elflint", ["--gnu-ld", so.path])
        #expect(lint.contains("No errors"), "\(lint)")
    }

    @Test func objdumpShowsWasmFunctionNames() throws {
        let so = try compiledFixture()
        let toolchain = URL(fileURLWithPath: try run("which", ["swift"]).trimmingCharacters(in: .whitespacesAndNewlines))
            .resolvingSymlinksInPath().deletingLastPathComponent()
        let objdump = toolchain.appendingPathComponent("llvm-objdump").path
        let out = try run(objdump, ["-d", so.path])
        for name in ["<fib>:", "<checksum>:", "<boom>:"] { #expect(out.contains(name), "objdump lacks \(name)") }
    }

    @Test func systemLoaderOpensItAndNmListsExports() throws {
        let so = try compiledFixture()
        let handle = dlopen(so.path, RTLD_NOW | RTLD_LOCAL)
        #expect(handle != nil, "dlopen: \(String(cString: dlerror()))")
        if let handle {
            #expect(dlsym(handle, "fib") != nil)
            #expect(dlsym(handle, SymbolName.metadata) != nil)
            dlclose(handle)
        }
        let nm = try run("nm", ["-D", so.path])
        for name in ["fib", "checksum", "boom", SymbolName.metadata] {
            #expect(nm.split(separator: "\n").contains { $0.hasSuffix(" \(name)") }, "nm -D lacks \(name): \(nm)")
        }
    }
}
