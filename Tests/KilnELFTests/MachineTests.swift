import KilnELF
import Testing

/// Both supported machines write, and disassemblers see the symbols.
@Suite struct MachineTests {
    @Test func aarch64ImageIsLabelledAArch64() throws {
        let file = try WrittenImage(Fixtures.aarch64AnswerImage())
        #expect(ParsedELF(file.bytes).machine == 183)
        let output = try ExternalTool.run("readelf", ["-W", "-h", file.path], hint: "install binutils")
        #expect(output.stdout.contains("AArch64"), "\(output.stdout)")
    }

    @Test func x86DisassemblyShowsTheFunctionNames() throws {
        let file = try WrittenImage(Fixtures.answerImage())
        let output = try ExternalTool.run(
            "llvm-objdump", ["-d", file.path], hint: "llvm-objdump ships with the Swift toolchain")
        #expect(output.status == 0, "\(output.combined)")
        #expect(output.stdout.contains("<answer>:"), "\(output.stdout)")
        #expect(output.stdout.contains("<double>:"), "\(output.stdout)")
        #expect(output.stdout.contains("<helper>:"), "\(output.stdout)")
        #expect(output.stdout.contains("movl\t$42, %eax"), "\(output.stdout)")
    }

    @Test func aarch64DisassemblyShowsTheFunctionName() throws {
        let file = try WrittenImage(Fixtures.aarch64AnswerImage())
        let output = try ExternalTool.run(
            "llvm-objdump", ["-d", file.path], hint: "llvm-objdump ships with the Swift toolchain")
        #expect(output.status == 0, "\(output.combined)")
        #expect(output.stdout.contains("<answer>:"), "\(output.stdout)")
        #expect(output.stdout.contains("mov\tw0, #42"), "\(output.stdout)")
        #expect(output.stdout.contains("ret"), "\(output.stdout)")
    }
}
