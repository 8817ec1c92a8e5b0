// Every benchmark workload in Fixtures/bench gives the same checksum under Kiln as natively,
// at small sizes (the figures themselves come from `make bench`, never from `make test`).
// Both sides are built here from the C sources with the Swift toolchain's clang: the wasm
// with the flags of bench/bench.py, the native code as a shared object loaded with dlopen.
import Foundation
import KilnCompiler
import KilnRuntime
import Testing

/// A workload and the small size the tests run it at.
struct Workload: CustomTestStringConvertible, Sendable {
    var name: String
    var size: UInt32
    var testDescription: String { "\(name)(\(size))" }
}

/// Workloads with no indirect calls.
let directWorkloads: [Workload] = [
    Workload(name: "fib", size: 20),
    Workload(name: "sieve", size: 1),
    Workload(name: "matmul", size: 2),
    Workload(name: "sha256", size: 2),
    Workload(name: "nbody", size: 5),
    Workload(name: "strings", size: 2),
]
/// Workloads whose hot loop is `call_indirect` (tables).
let tableWorkloads: [Workload] = [
    Workload(name: "dispatch", size: 20),
    Workload(name: "quicksort", size: 1),
]

@Suite("Benchmark workloads: Kiln's checksum equals native")
struct WorkloadChecksumTests {
    @Test("checksum matches native", arguments: directWorkloads + tableWorkloads)
    func checksumMatchesNative(_ workload: Workload) throws {
        try expectKilnMatchesNative(workload)
    }

    /// Keeps these lists and Fixtures/bench in step.
    @Test func everyWorkloadIsTested() throws {
        let sources = try FileManager.default.contentsOfDirectory(atPath: WorkloadBuild.fixtures.path)
            .filter { $0.hasSuffix(".c") }.map { String($0.dropLast(2)) }
        #expect(Set(sources) == Set((directWorkloads + tableWorkloads).map(\.name)))
    }
}

private func expectKilnMatchesNative(_ workload: Workload) throws {
    let build = try WorkloadBuild(workload.name)
    let expected = try build.nativeChecksum(workload.size)
    let artifact = try Compiler.compile(wasm: build.wasm)
    let engine = Engine()
    let module = try Module(bytes: artifact.bytes, engine: engine)
    let instance = try Instance(module: module, store: Store(engine: engine), imports: Imports())
    let result = try instance.call("run", [.i32(workload.size)])
    #expect(result == [.i32(expected)], "\(workload.name)(\(workload.size))")
}

/// One workload built from its C source into a fresh temporary directory.
struct WorkloadBuild {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/bench")

    let wasm: [UInt8]
    let nativeLibrary: String

    init(_ name: String) throws {
        let clang = try Toolchain.clang()
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("kiln-bench-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = Self.fixtures.appendingPathComponent("\(name).c").path
        let wasmPath = dir.appendingPathComponent("\(name).wasm").path
        nativeLibrary = dir.appendingPathComponent("\(name).so").path
        // The same flags as bench/bench.py.
        try Toolchain.run(
            clang,
            [
                "--target=wasm32", "-mcpu=mvp", "-O2", "-nostdlib", "-fno-math-errno",
                "-Wl,--no-entry", "-Wl,--export=run", "-o", wasmPath, source,
            ])
        try Toolchain.run(
            clang,
            [
                "-O2", "-fno-math-errno", "-shared", "-fPIC", "-fvisibility=hidden", "-nostdlib",
                "-o", nativeLibrary, source,
            ])
        wasm = try [UInt8](Data(contentsOf: URL(fileURLWithPath: wasmPath)))
    }

    /// `run(size)` of the native build, called in this process.
    func nativeChecksum(_ size: UInt32) throws -> UInt32 {
        guard let handle = dlopen(nativeLibrary, RTLD_NOW | RTLD_LOCAL) else {
            throw ToolError(message: "dlopen \(nativeLibrary): \(String(cString: dlerror()))")
        }
        defer { dlclose(handle) }
        guard let symbol = dlsym(handle, "run") else { throw ToolError(message: "no `run` in \(nativeLibrary)") }
        typealias Run = @convention(c) (UInt32) -> UInt32
        return unsafeBitCast(symbol, to: Run.self)(size)
    }
}

struct ToolError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The Swift toolchain's clang (it targets wasm32 and has `wasm-ld` beside it).
enum Toolchain {
    static func clang() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") {
            let swift = URL(fileURLWithPath: String(dir)).appendingPathComponent("swift")
            guard FileManager.default.isExecutableFile(atPath: swift.path) else { continue }
            let clang = swift.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("clang")
            if FileManager.default.isExecutableFile(atPath: clang.path) { return clang.path }
        }
        throw ToolError(message: "no clang beside the swift on PATH")
    }

    static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError(message: "\(tool) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }
}
