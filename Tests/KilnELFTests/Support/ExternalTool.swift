import Foundation
import Testing

/// The output of one run of a command-line tool.
struct ToolOutput {
    var status: Int32
    var stdout: String
    var stderr: String
    var combined: String { stdout + stderr }
}

/// Why a tool could not be run at all.
struct MissingTool: Error, CustomStringConvertible {
    var tool: String
    var hint: String
    var description: String { "\(tool) not found on PATH: \(hint)" }
}

/// Runs command-line tools (readelf, eu-elflint, nm, llvm-objdump) on written files.
enum ExternalTool {
    /// The tool's absolute path, searched on PATH.
    static func locate(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs `tool` with `arguments`; output goes through temporary files so a chatty
    /// tool cannot block on a full pipe. Throws ``MissingTool`` (with `hint`, e.g. the
    /// package to install) when the tool is not installed: a missing tool fails the test.
    static func run(_ tool: String, _ arguments: [String], hint: String) throws -> ToolOutput {
        guard let executable = locate(tool) else { throw MissingTool(tool: tool, hint: hint) }
        let directory = FileManager.default.temporaryDirectory
        let outURL = directory.appendingPathComponent("kiln-elf-\(UUID().uuidString).out")
        let errURL = directory.appendingPathComponent("kiln-elf-\(UUID().uuidString).err")
        for url in [outURL, errURL] {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ToolOutput(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
