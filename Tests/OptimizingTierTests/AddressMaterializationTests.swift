import KilnCompiler
import KilnFrontend
import KilnRuntime
import Testing

/// x86-64 accesses that share one wasm pointer use it as `[reg + offset]`, computed once,
/// rather than `[base + index + offset]` each (`AddressMaterialization`, docs/codegen.md,
/// "Address materialization"); an access of its own keeps the indexed form, and the
/// accesses still trap where they did.
@Suite struct AddressMaterializationTests {
    static let wat = """
        (module
          (memory (export "mem") 1)
          ;; vm->count += vm->step, through one pointer.
          (func (export "bump") (param $vm i32)
            (i32.store offset=8 (local.get $vm)
              (i32.add (i32.load offset=8 (local.get $vm)) (i32.load offset=4 (local.get $vm)))))
          (func (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
          ;; The pointer is loop-invariant: the loop's accesses use a register LICM hoisted.
          (func (export "run") (param $vm i32) (param $n i32)
            (loop $next
              (i32.store offset=8 (local.get $vm) (i32.add (i32.load offset=8 (local.get $vm)) (i32.const 1)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $next (local.get $n)))))
        """

    static func disassembled(_ name: String) throws -> [String] {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: wat), options: CompileOptions(target: .x86_64, tier: .optimizing))
        return try #require(try disassembly(of: artifact)[name], "no \(name)")
    }

    /// An operand with a base and an index register: `0x8(%rcx,%rax)`.
    static func isIndexed(_ line: String) -> Bool {
        line.split(separator: "(").dropFirst().contains { $0.prefix { $0 != ")" }.contains(",") }
    }

    @Test(arguments: ["bump", "run"]) func sharedPointerIsARegister(_ name: String) throws {
        let body = try Self.disassembled(name)
        let fields = body.filter { $0.contains(" 8(%") }
        #expect(!fields.isEmpty, "\(body)")
        #expect(!fields.contains(where: Self.isIndexed), "\(body)")
    }

    @Test func aLoneAccessStaysIndexed() throws {
        let body = try Self.disassembled("peek")
        #expect(body.contains(where: Self.isIndexed), "\(body)")
    }

    @Test(arguments: CompilerTier.allCases) func resultsAndTrapsAreUnchanged(_ tier: CompilerTier) throws {
        let i = try instantiate(Self.wat, tier)
        guard case .memory(let memory)? = i.export(named: "mem") else {
            Issue.record("no memory")
            return
        }
        try memory.write([3, 0, 0, 0, 10, 0, 0, 0], at: 100 + 4)
        _ = try i.call("bump", [.i32(100)])
        #expect(try memoryBytes(i, at: 108, count: 4) == [13, 0, 0, 0])
        _ = try i.call("run", [.i32(100), .i32(5)])
        #expect(try memoryBytes(i, at: 108, count: 4) == [18, 0, 0, 0])
        // The field lies past the end of memory: the access through the register faults.
        #expect(trap { _ = try i.call("bump", [.i32(65530)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(trap { _ = try i.call("run", [.i32(65530), .i32(1)]) }?.kind == .outOfBoundsMemoryAccess)
    }
}
