import Foundation

/// Builds the programs in `Fixtures/wasi/` with real toolchains into `.build/wasi-fixtures/`:
/// C against wasi-libc with Debian's clang-16, Rust with Debian's rustc. `make test`
/// installs both (clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32 rustc
/// libstd-rust-dev-wasm32); a missing one fails the tests that need it, naming it.
enum WASIFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sources = root.appendingPathComponent("Fixtures/wasi")
    static let output = root.appendingPathComponent(".build/wasi-fixtures")

    struct BuildError: Error, CustomStringConvertible {
        var description: String
    }

    /// The command that builds each fixture (by file name without extension).
    static func command(for name: String) -> [String] {
        let out = output.appendingPathComponent("\(name).wasm").path
        if name == "hello_rs" {
            return ["/usr/bin/rustc", "--target", "wasm32-wasi", "-O", "-C", "strip=debuginfo",
                    sources.appendingPathComponent("hello.rs").path, "-o", out]
        }
        var command = ["/usr/bin/clang-16", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-Wall", "-Werror"]
        if name == "reactor" { command.append("-mexec-model=reactor") }
        return command + [sources.appendingPathComponent("\(name).c").path, "-o", out]
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [String: [UInt8]] = [:]

    /// The wasm bytes of fixture `name`, built on first use in this test process.
    static func wasm(_ name: String) throws -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        if let bytes = built[name] { return bytes }
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let command = command(for: name)
        guard FileManager.default.isExecutableFile(atPath: command[0]) else {
            throw BuildError(description: "\(command[0]) is missing: `make test` installs it (see the Makefile's APT_PACKAGES)")
        }
        let build = try ChildProcess.run(URL(fileURLWithPath: command[0]), Array(command.dropFirst()))
        guard build.status == 0 else {
            throw BuildError(description: "\(command.joined(separator: " ")) failed:\n\(build.stdout)\(build.stderr)")
        }
        let bytes = [UInt8](try Data(contentsOf: output.appendingPathComponent("\(name).wasm")))
        built[name] = bytes
        return bytes
    }
}

/// A program run to its end: its exit status and what it wrote to each stream.
struct ChildProcess {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Runs `executable` with `arguments`, `stdin` as its standard input.
    static func run(_ executable: URL, _ arguments: [String], stdin: String = "") throws -> ChildProcess {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let (input, output, errors) = (Pipe(), Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        // Both streams are read at once, so neither pipe can fill up and stall the child.
        nonisolated(unsafe) var err = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { err = errors.fileHandleForReading.readDataToEndOfFile() }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ChildProcess(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }
}
