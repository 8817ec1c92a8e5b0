import Foundation
import KilnABI
import KilnCompiler
import KilnRuntime
import KilnWASI
import Testing

let engine = Engine()

/// One way Kiln can compile a module: every WASI program runs under each. Only the
/// baseline tier and x86-64 exist today; a new tier or ISA is a new case here.
struct Variant: CustomTestStringConvertible, Sendable {
    var tier = "baseline"
    var tableInit: TableInitStrategy
    var options: CompileOptions { CompileOptions(target: .host, tableInit: tableInit) }
    var testDescription: String { "\(tier)/\(TargetISA.host.name)/\(tableInit.name)" }

    static let all = TableInitStrategy.allCases.map { Variant(tableInit: $0) }
}

/// What one run of a guest left behind.
struct GuestResult {
    var outcome: ModuleRunner.Outcome
    var stdout: String
    var stderr: String
}

/// Runs WASI programs in this process, with stdio redirected to temporary files.
enum Guest {
    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-wasi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func compile(_ fixture: String, _ variant: Variant) throws -> Module {
        let artifact = try Compiler.compile(wasm: try WASIFixtures.wasm(fixture), options: variant.options)
        return try Module(bytes: artifact.bytes, engine: engine)
    }

    /// Runs `fixture` compiled as `variant` with `configuration` (its stdio replaced by
    /// files; `stdin` becomes the guest's standard input).
    static func run(
        _ fixture: String, _ variant: Variant, arguments: [String] = [], configuration: WASIConfiguration = .init(),
        stdin: String = "", invoke: (name: String, arguments: [Value])? = nil
    ) throws -> GuestResult {
        let module = try compile(fixture, variant)
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let paths = ["stdin", "stdout", "stderr"].map { dir.appendingPathComponent($0) }
        try Data(stdin.utf8).write(to: paths[0])
        for p in paths.dropFirst() { try Data().write(to: p) }
        let input = try FileHandle(forReadingFrom: paths[0])
        let output = try FileHandle(forWritingTo: paths[1])
        let errors = try FileHandle(forWritingTo: paths[2])
        defer { for h in [input, output, errors] { try? h.close() } }
        var configuration = configuration
        configuration.arguments = ["\(fixture).wasm"] + arguments
        configuration.stdin = input.fileDescriptor
        configuration.stdout = output.fileDescriptor
        configuration.stderr = errors.fileDescriptor
        let outcome = try ModuleRunner.run(module, store: Store(engine: engine), configuration: configuration, invoke: invoke)
        return GuestResult(
            outcome: outcome, stdout: try String(contentsOf: paths[1], encoding: .utf8),
            stderr: try String(contentsOf: paths[2], encoding: .utf8))
    }

    /// A sandbox for the file-system programs: `box/sandbox` (preopened as /sandbox) holds
    /// `from-host.txt`, `inside.txt` and `link-out`, a symlink to `box/secret.txt`.
    static func makeSandbox() throws -> (box: URL, sandbox: URL, secret: URL) {
        let box = try temporaryDirectory()
        let sandbox = box.appendingPathComponent("sandbox")
        try FileManager.default.createDirectory(at: sandbox, withIntermediateDirectories: true)
        let secret = box.appendingPathComponent("secret.txt")
        try "top secret\n".write(to: secret, atomically: true, encoding: .utf8)
        try "from the host\n".write(to: sandbox.appendingPathComponent("from-host.txt"), atomically: true, encoding: .utf8)
        try "inside\n".write(to: sandbox.appendingPathComponent("inside.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: sandbox.appendingPathComponent("link-out").path, withDestinationPath: secret.path)
        return (box, sandbox, secret)
    }

    /// How many of this process's descriptors are open on `directory` or a file beneath it
    /// (by their /proc/self/fd links: other tests running meanwhile open other paths).
    static func openDescriptors(under directory: URL) throws -> Int {
        let prefix = directory.resolvingSymlinksInPath().path
        return try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)") else {
                return false
            }
            return target == prefix || target.hasPrefix(prefix + "/")
        }.count
    }
}
