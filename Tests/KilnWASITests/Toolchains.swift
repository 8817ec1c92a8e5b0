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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let log = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BuildError(description: "\(command.joined(separator: " ")) failed:\n\(String(decoding: log, as: UTF8.self))")
        }
        let bytes = [UInt8](try Data(contentsOf: output.appendingPathComponent("\(name).wasm")))
        built[name] = bytes
        return bytes
    }
}
