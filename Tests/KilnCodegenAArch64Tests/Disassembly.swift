import Foundation

/// The text `llvm-objdump` (from the Swift toolchain) gives for raw AArch64 code: the
/// bytes are wrapped into an ELF object with `llvm-objcopy`, disassembled, and each
/// instruction reduced to its text with whitespace collapsed, without `//` comments or
/// `<symbol>` annotations. Branch targets read as offsets from the first byte.
enum Disassembly {
    /// The directory of the `swift` on PATH, where the toolchain keeps its LLVM tools.
    static let tools: URL = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let swift = URL(fileURLWithPath: String(dir)).appendingPathComponent("swift")
            if FileManager.default.fileExists(atPath: swift.path) {
                return swift.resolvingSymlinksInPath().deletingLastPathComponent()
            }
        }
        return URL(fileURLWithPath: "/usr/bin")
    }()

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = tools.appendingPathComponent(tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    static func lines(_ bytes: [UInt8]) throws -> [String] { try linesWithOffsets(bytes).map(\.text) }

    static func linesWithOffsets(_ bytes: [UInt8]) throws -> [(offset: Int, text: String)] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-masm-a64-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let raw = dir.appendingPathComponent("code.bin"), object = dir.appendingPathComponent("code.o")
        try Data(bytes).write(to: raw)
        _ = try run(
            "llvm-objcopy",
            ["-I", "binary", "-O", "elf64-littleaarch64", "--rename-section", ".data=.text,code", raw.path, object.path])
        let text = try run("llvm-objdump", ["-d", "-z", "--no-show-raw-insn", "--triple=aarch64", object.path])
        return text.split(separator: "\n").compactMap { line -> (Int, String)? in
            guard line.hasPrefix(" "), let colon = line.firstIndex(of: ":"),
                let offset = Int(line[..<colon].trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }
            var rest = line[line.index(after: colon)...]
            if let comment = rest.range(of: "//") { rest = rest[..<comment.lowerBound] }
            if let symbol = rest.range(of: " <") { rest = rest[..<symbol.lowerBound] }
            return (offset, rest.replacingOccurrences(of: "\t", with: " ").split(separator: " ").joined(separator: " "))
        }
    }
}
