import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import KilnRuntime
import Testing

/// Where the optimizing tier checks the stack limit (`FunctionTranslator.stackExhausted(atEntry:)`):
/// a function with a small frame checks before its calls, so a path without a call (a
/// recursion's base case) runs no check; a function whose frame may be large checks at
/// entry, even a leaf. Deep recursion still ends in "call stack exhausted".
@Suite struct StackCheckTests {
    static let fixture = """
        (module
          (type $ii (func (param i32) (result i32)))
          (table 1 funcref)
          (elem (i32.const 0) $viaTable)
          (memory (export "mem") 1)
          (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
              (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
          ;; Unbounded: the call sits in a loop, whose check LLVM hoists out of it.
          (func $spin (export "spin") (param i32) (result i32)
            (local $sum i32)
            (loop $l
              (i32.store (i32.const 0) (local.get 0))
              (local.set $sum (i32.add (local.get $sum) (call $spin (i32.add (local.get 0) (i32.const 1)))))
              (br_if $l (i32.lt_u (local.get $sum) (i32.const 10))))
            (local.get $sum))
          ;; Unbounded through the table.
          (func $viaTable (type $ii)
            (i32.add (i32.const 1) (call_indirect (type $ii) (local.get 0) (i32.const 0))))
          (func (export "viaTable") (param i32) (result i32) (call $viaTable (local.get 0))))
        """

    /// A leaf with a frame that may exceed `VMStoreContext.uncheckedLeafFrameBytes`.
    static let largeLeaf: String = {
        let locals = String(repeating: " i64", count: 300)
        return """
            (module
              (func (export "leaf") (param i64) (result i64) (local\(locals))
                (local.set 299 (local.get 0))
                (local.get 299)))
            """
    }()

    @Test func fibsBaseCaseRunsNoCheck() throws {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: Self.fixture), options: CompileOptions(target: .x86_64, tier: .optimizing))
        let body = try #require(try disassembly(of: artifact)["fib"])
        let storeContext = "\(VMContextLayout.storeContext)(%r13)"
        let firstBranch = try #require(body.firstIndex { $0.hasPrefix("j") && !$0.hasPrefix("jmp") })
        let check = try #require(body.firstIndex { $0.contains(storeContext) }, "no stack check in fib: \(body)")
        #expect(check > firstBranch, "the check runs before the base case's branch: \(body)")
        // It compares the frame address, which stays put within the function.
        #expect(body[check...].prefix(3).contains { $0.hasPrefix("cmp") && $0.contains("%rbp") })
    }

    @Test func aLargeFrameChecksAtEntryEvenInALeaf() throws {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: Self.largeLeaf), options: CompileOptions(target: .x86_64, tier: .optimizing))
        let body = try #require(try disassembly(of: artifact)["leaf"])
        #expect(body.contains { $0.contains("\(VMContextLayout.storeContext)(%r13)") }, "\(body)")
    }

    @Test(arguments: CompilerTier.allCases)
    func deepRecursionIsExhaustion(_ tier: CompilerTier) throws {
        let instance = try instantiate(Self.fixture, tier)
        #expect(try instance.call("fib", [.i32(20)]) == [.i32(6765)])
        #expect(trap { _ = try instance.call("spin", [.i32(0)]) }?.kind == .callStackExhausted)
        #expect(trap { _ = try instance.call("viaTable", [.i32(0)]) }?.kind == .callStackExhausted)
        // Every frame stored before calling on: the last store is in memory.
        let stored = try memoryBytes(instance, at: 0, count: 4)
        #expect(stored != [0, 0, 0, 0])
        #expect(try instance.call("fib", [.i32(10)]) == [.i32(55)])
        let leaf = try instantiate(Self.largeLeaf, tier)
        #expect(try leaf.call("leaf", [.i64(7)]) == [.i64(7)])
    }

    /// x86-64 functions start on 32-byte boundaries (docs/codegen.md, "Code alignment").
    @Test func x86FunctionsAreAlignedTo32Bytes() throws {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: Self.fixture), options: CompileOptions(target: .x86_64, tier: .optimizing))
        let addresses = try functionAddresses(of: artifact)
        for name in ["fib", "spin", "viaTable"] {
            let address = try #require(addresses[name], "no symbol \(name) in \(addresses)")
            #expect(address % 32 == 0, "\(name) at \(String(address, radix: 16))")
        }
    }

    /// `llvm-nm`'s defined text symbols and their addresses.
    func functionAddresses(of artifact: Artifact) throws -> [String: UInt64] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kiln-nm-\(UUID()).so")
        try Data(artifact.bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["llvm-nm", "--defined-only", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var result: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[1] == "t" || fields[1] == "T", let value = UInt64(fields[0], radix: 16)
            else { continue }
            result[String(fields[2])] = value
        }
        return result
    }
}
