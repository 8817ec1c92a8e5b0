import Foundation

/// Disassembles raw x86-64 bytes with the toolchain's llvm-objdump (wrapped into an ELF
/// by llvm-objcopy), returning one Intel-syntax line per instruction.
enum Disassembler {
    static let toolDir: URL = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") {
            let swift = URL(fileURLWithPath: String(dir)).appendingPathComponent("swift")
            if FileManager.default.fileExists(atPath: swift.path) {
                return swift.resolvingSymlinksInPath().deletingLastPathComponent()
            }
        }
        return URL(fileURLWithPath: "/usr/bin")
    }()

    static func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = toolDir.appendingPathComponent(tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func disassemble(_ bytes: [UInt8]) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-asm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bin = dir.appendingPathComponent("code.bin"), obj = dir.appendingPathComponent("code.o")
        try Data(bytes).write(to: bin)
        _ = try run("llvm-objcopy", ["-I", "binary", "-O", "elf64-x86-64", "--rename-section", ".data=.text,code", bin.path, obj.path])
        let text = try run("llvm-objdump", ["-d", "--no-show-raw-insn", "-M", "intel", obj.path])
        return text.split(separator: "\n").compactMap { line -> String? in
            // "      1a:      \tmov\tdword ptr [rbp - 0x10], edi"
            guard let colon = line.firstIndex(of: ":"), line.hasPrefix(" ") else { return nil }
            let rest = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return rest.replacingOccurrences(of: "\t", with: " ")
                .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
    }
}
