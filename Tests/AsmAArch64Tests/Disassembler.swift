import Foundation

/// Disassembles raw AArch64 bytes with the toolchain's llvm-objdump (wrapped into an ELF
/// by llvm-objcopy), returning each instruction's offset and text, with llvm-objdump's
/// `// =value` comments and `<symbol+offset>` annotations dropped and whitespace
/// collapsed to single spaces.
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

    static func disassembleWithOffsets(_ bytes: [UInt8]) throws -> [(offset: Int, text: String)] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-a64-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bin = dir.appendingPathComponent("code.bin"), obj = dir.appendingPathComponent("code.o")
        try Data(bytes).write(to: bin)
        _ = try run(
            "llvm-objcopy",
            ["-I", "binary", "-O", "elf64-littleaarch64", "--rename-section", ".data=.text,code", bin.path, obj.path])
        let text = try run("llvm-objdump", ["-d", "-z", "--no-show-raw-insn", "--triple=aarch64", obj.path])
        return text.split(separator: "\n").compactMap { line -> (Int, String)? in
            // "      1c:      \tldr\tx0, [x1, #0x8]\t// =..."
            guard line.hasPrefix(" "), let colon = line.firstIndex(of: ":"),
                let offset = Int(line[..<colon].trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }
            var rest = String(line[line.index(after: colon)...])
            if let comment = rest.range(of: "//") { rest = String(rest[..<comment.lowerBound]) }
            if let sym = rest.range(of: " <") { rest = String(rest[..<sym.lowerBound]) }
            let words = rest.replacingOccurrences(of: "\t", with: " ").split(separator: " ")
            return (offset, words.joined(separator: " "))
        }
    }

    static func disassemble(_ bytes: [UInt8]) throws -> [String] {
        try disassembleWithOffsets(bytes).map(\.text)
    }
}
