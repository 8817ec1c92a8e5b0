import Foundation
import KilnABI
import KilnCompiler
import KilnFrontend
import KilnRuntime
import Testing

/// Where the optimizing tier checks the stack limit (`FunctionTranslator.stackExhausted(atEntry:)`):
/// a function with a small frame checks before its calls, so a path without a call (a
/// recursion's base case) runs no check; one with a call inside a loop checks once at
/// entry; a function whose frame may be large checks at entry, even a leaf. Deep
/// recursion still ends in "call stack exhausted".
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
          ;; Unbounded: the call sits in a loop, so the check is at entry.
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
          (func (export "viaTable") (param i32) (result i32) (call $viaTable (local.get 0)))
          ;; Its call is inlined: a leaf after optimization.
          (func $less (param i32 i32) (result i32) (i32.lt_u (i32.load (local.get 0)) (i32.load (local.get 1))))
          (func (export "greater") (param i32 i32) (result i32) (call $less (local.get 1) (local.get 0))))
        """

    /// A leaf whose optimized code may have a frame beyond
    /// `VMStoreContext.uncheckedLeafFrameBytes`: 300 loads summed, which no optimization
    /// folds away. A small leaf beside it.
    static let largeLeaf: String = {
        var sum = "(i64.load (local.get 0))"
        for k in 1..<300 { sum = "(i64.add \(sum) (i64.load offset=\(8 * k) (local.get 0)))" }
        return """
            (module
              (memory 1)
              (func (export "leaf") (param i32) (result i64) \(sum))
              (func (export "small") (param i32) (result i64) (i64.load (local.get 0))))
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

    /// A check before the call would run on every iteration of the loop.
    @Test func aCallInALoopIsCheckedOnceAtEntry() throws {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: Self.fixture), options: CompileOptions(target: .x86_64, tier: .optimizing))
        let body = try #require(try disassembly(of: artifact)["spin"])
        let storeContext = "\(VMContextLayout.storeContext)(%r13)"
        let checks = body.indices.filter { body[$0].contains(storeContext) }
        #expect(checks.count == 1, "\(body)")
        let firstBranch = try #require(body.firstIndex { $0.hasPrefix("j") && !$0.hasPrefix("jmp") })
        let check = try #require(checks.first, "no stack check in spin: \(body)")
        #expect(check < firstBranch, "the check is not in the entry block: \(body)")
    }

    /// Checks are placed after optimization, where the calls that are left are known.
    @Test func aCallInlinedAwayLeavesNoCheck() throws {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: Self.fixture), options: CompileOptions(target: .x86_64, tier: .optimizing))
        let body = try #require(try disassembly(of: artifact)["greater"])
        #expect(!body.contains { $0.hasPrefix("call") }, "not inlined: \(body)")
        #expect(!body.contains { $0.contains("\(VMContextLayout.storeContext)(%r13)") }, "\(body)")
        #expect(!body.contains { $0.contains("%rbp") }, "\(body)")
    }

    @Test func aLargeFrameChecksAtEntryEvenInALeaf() throws {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: Self.largeLeaf), options: CompileOptions(target: .x86_64, tier: .optimizing))
        let functions = try disassembly(of: artifact)
        let body = try #require(functions["leaf"])
        #expect(body.contains { $0.contains("\(VMContextLayout.storeContext)(%r13)") }, "\(body)")
        let small = try #require(functions["small"])
        #expect(!small.contains { $0.contains("\(VMContextLayout.storeContext)(%r13)") }, "\(small)")
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
        // spin's stores left memory[0] > 0 = memory[4].
        #expect(try instance.call("greater", [.i32(0), .i32(4)]) == [.i32(1)])
        #expect(try instance.call("greater", [.i32(4), .i32(0)]) == [.i32(0)])
        let leaf = try instantiate(Self.largeLeaf, tier)
        #expect(try leaf.call("leaf", [.i32(0)]) == [.i64(0)])
    }
}
