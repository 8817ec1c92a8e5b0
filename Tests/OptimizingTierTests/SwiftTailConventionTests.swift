import Foundation
import Testing

/// Checks the facts docs/abi.md ("What `llc` showed") records about LLVM 19's
/// `swifttailcc` on x86-64 against `llc` itself, so an LLVM that changed the convention
/// under ABI 5 is noticed here rather than as a crash between the tiers. Skipped when
/// `llc-19` is not installed (the optimizing tier needs only the library).
@Suite struct SwiftTailConventionTests {
    static let llc = "/usr/lib/llvm-19/bin/llc"

    /// The assembly `llc -O2` makes of `ir` for `triple`, or nil without llc.
    static func assemble(_ ir: String, triple: String = "x86_64-unknown-linux-gnu") throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: llc) else { return nil }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-abi-\(UUID()).ll")
        try ("target triple = \"\(triple)\"\n" + ir).write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: llc)
        process.arguments = ["-O2", "-o", "-", input.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    /// The instructions of function `name` (between its label and the next `.Lfunc_end`).
    static func body(_ asm: String, _ name: String) -> [String] {
        var lines: [String] = []
        var inside = false
        for line in asm.split(separator: "\n") {
            if line.hasPrefix("\(name):") {
                inside = true
            } else if inside {
                if line.hasPrefix(".Lfunc_end") { break }
                let t = line.trimmingCharacters(in: .whitespaces)
                if !t.isEmpty, !t.hasPrefix("#"), !t.hasPrefix(".") { lines.append(t.replacingOccurrences(of: "\t", with: " ")) }
            }
        }
        return lines
    }

    /// The callee pops an odd number of 8-byte slots: `8 * (stackArguments | 1)`.
    @Test(arguments: 0...4)
    func calleePopsAnOddArgumentArea(_ stackArguments: Int) throws {
        let params = (0..<(6 + stackArguments)).map { "i64 %a\($0)" }.joined(separator: ", ")
        let ir = "define swifttailcc i64 @f(ptr swiftself %c, ptr nest %s, \(params)) { ret i64 %a0 }\n"
        guard let asm = try Self.assemble(ir) else { return }
        #expect(Self.body(asm, "f").last == "retq $\(8 * (stackArguments | 1))")
    }

    /// Four integer results in rax, rdx, rcx, r8; four floats in xmm0-xmm3.
    @Test func resultRegisters() throws {
        let ir = """
            define swifttailcc {i64, double, i64, double, i64, double, i64, double} @f(ptr swiftself %c, ptr nest %s) {
              ret {i64, double, i64, double, i64, double, i64, double} {i64 1, double 1.0, i64 2, double 2.0, i64 3, double 3.0, i64 4, double 4.0}
            }
            """
        guard let asm = try Self.assemble(ir) else { return }
        let body = Self.body(asm, "f").joined(separator: "\n")
        for (value, register) in [(1, "%eax"), (2, "%edx"), (3, "%ecx"), (4, "%r8d")] {
            #expect(body.contains("movl $\(value), \(register)"), "\(body)")
        }
        for register in ["%xmm0", "%xmm1", "%xmm2", "%xmm3"] { #expect(body.contains(register), "\(body)") }
    }

    /// A fifth integer result demotes them all to a buffer whose address is in rax.
    @Test func fiveResultsGoThroughRax() throws {
        let ir = """
            define swifttailcc {i64, i64, i64, i64, i64} @f(ptr swiftself %c, ptr nest %s) {
              ret {i64, i64, i64, i64, i64} {i64 1, i64 2, i64 3, i64 4, i64 5}
            }
            """
        guard let asm = try Self.assemble(ir) else { return }
        let body = Self.body(asm, "f")
        for k in 0..<5 { #expect(body.contains("movq $\(k + 1), \(k == 0 ? "" : "\(8 * k)")(%rax)"), "\(body)") }
    }

    /// The callee saves only rbx, r12, r15 of the SysV callee-saved set: r13 and r14 are
    /// the caller's to restore.
    @Test func calleeSavedRegisters() throws {
        let ir = """
            define swifttailcc i64 @f(ptr swiftself %c, ptr nest %s) {
              call void asm sideeffect "", "~{rbx},~{r12},~{r13},~{r14},~{r15}"()
              ret i64 0
            }
            """
        guard let asm = try Self.assemble(ir) else { return }
        let pushes = Set(Self.body(asm, "f").filter { $0.hasPrefix("pushq") })
        #expect(pushes == ["pushq %rbx", "pushq %r12", "pushq %r15"])
    }

    /// The vmctx (`swiftself`) arrives in r13 and the slot address (`nest`) in r10; a
    /// call passes them there, and a `musttail` call passes them on.
    @Test func vmctxInR13SlotInR10() throws {
        let ir = """
            declare swifttailcc i64 @g(ptr swiftself, ptr nest, i64)
            define swifttailcc i64 @f(ptr swiftself %c, ptr nest %s, i64 %x) {
              %v = load i64, ptr %c
              %w = load i64, ptr %s
              %y = add i64 %v, %w
              %r = musttail call swifttailcc i64 @g(ptr swiftself %s, ptr nest %c, i64 %y)
              ret i64 %r
            }
            """
        guard let asm = try Self.assemble(ir) else { return }
        let body = Self.body(asm, "f").joined(separator: "\n")
        #expect(body.contains("(%r13)"), "\(body)")
        #expect(body.contains("(%r10)"), "\(body)")
        #expect(body.contains("jmp g"), "\(body)")
    }

    /// With frame pointers, a function with a `swiftself` vmctx gets a plain frame: no
    /// Swift async frame (no extra context slot, no `bts`/`btr` on rbp), which LLVM
    /// builds for a `swiftasync` parameter (docs/codegen.md, "The optimizing tier").
    @Test func noAsyncFrame() throws {
        let ir = """
            declare swifttailcc i64 @g(ptr swiftself, ptr nest, i64)
            define swifttailcc i64 @f(ptr swiftself %c, ptr nest %s, i64 %x) "frame-pointer"="all" {
              %r = call swifttailcc i64 @g(ptr swiftself %c, ptr nest %s, i64 %x)
              %y = add i64 %r, 1
              ret i64 %y
            }
            """
        guard let asm = try Self.assemble(ir) else { return }
        let body = Self.body(asm, "f")
        #expect(Array(body.prefix(2)) == ["pushq %rbp", "movq %rsp, %rbp"], "\(body)")
        #expect(!body.contains { $0.hasPrefix("bts") || $0.hasPrefix("btr") || $0 == "pushq %r14" }, "\(body)")
    }
}
