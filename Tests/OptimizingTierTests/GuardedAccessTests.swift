import KilnABI
import KilnCompiler
import KilnFrontend
import KilnRuntime
import Testing

/// The optimizing tier's two kinds of heap access (`HeapAccessPolicy`, docs/codegen.md,
/// "Trap semantics"): guarded accesses (no check, volatile, the fault is the trap) where
/// LLVM could not drop a check, checked ones where it could and then optimizes the loop.
@Suite struct GuardedAccessTests {
    static let wat = """
        (module
          (memory (export "mem") 1 2)
          (global $g (export "g") (mut i32) (i32.const 0))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "store64") (param i32) (i64.store (local.get 0) (i64.const -1)))
          (func (export "grow") (result i32) (memory.grow (i32.const 1)))
          ;; Through a pointer read from memory: no bound LLVM could prove.
          (func (export "sum_list") (param $n i32) (result i32) (local $p i32) (local $s i32)
            (local.set $p (i32.load (i32.const 0)))
            (loop $next
              (global.set $g (local.get $n))
              (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (local.set $n (i32.sub (local.get $n) (i32.const 1)))
              (br_if $next (local.get $n)))
            (local.get $s))
          ;; A static array indexed by a counted loop: LLVM proves every access in bounds.
          (func (export "sum_static") (result i32) (local $i i32) (local $s i32)
            (loop $next
              (local.set $s (i32.add (local.get $s) (i32.load offset=1024 (i32.shl (local.get $i) (i32.const 2)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 256))))
            (local.get $s)))
        """

    static func disassembled(_ name: String) throws -> [String] {
        let artifact = try Compiler.compile(
            wasm: try assemble(text: wat), options: CompileOptions(target: .x86_64, tier: .optimizing))
        return try #require(try disassembly(of: artifact)[name], "no \(name)")
    }

    /// A loop-free function's load has no compare: the fault is the check.
    @Test func aGuardedAccessHasNoCompare() throws {
        let body = try Self.disassembled("load")
        #expect(!body.contains { $0.hasPrefix("cmp") }, "\(body)")
    }

    /// The static array's loop keeps ordinary (checked, then proven) accesses and is
    /// vectorized; a volatile access would have kept it scalar.
    @Test func aProvenLoopIsVectorized() throws {
        let body = try Self.disassembled("sum_static")
        #expect(body.contains { $0.hasPrefix("paddd") }, "\(body)")
    }

    @Test(arguments: CompilerTier.allCases) func theFaultIsTheTrapAndFollowsTheLength(_ tier: CompilerTier) throws {
        let i = try instantiate(Self.wat, tier)
        #expect(try i.call("load", [.i32(65532)]) == [.i32(0)])
        let t = trap { _ = try i.call("load", [.i32(65533)]) }
        #expect(t?.kind == .outOfBoundsMemoryAccess)
        #expect(t?.function == "load")
        // Half inside, half outside: traps and writes none of the bytes inside.
        #expect(trap { _ = try i.call("store64", [.i32(65532)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(try memoryBytes(i, at: 65532, count: 4) == [0, 0, 0, 0])
        #expect(try i.call("grow", []) == [.i32(1)])
        #expect(try i.call("load", [.i32(65533)]) == [.i32(0)])
        #expect(trap { _ = try i.call("load", [.i32(131069)]) }?.kind == .outOfBoundsMemoryAccess)
    }

    /// A trap inside a loop of guarded loads: the global set before the load in the
    /// trapping iteration holds that iteration's value.
    @Test(arguments: CompilerTier.allCases) func stateBeforeAGuardedTrapIsVisible(_ tier: CompilerTier) throws {
        let i = try instantiate(Self.wat, tier)
        guard case .memory(let memory)? = i.export(named: "mem"), case .global(let g)? = i.export(named: "g") else {
            Issue.record("exports missing")
            return
        }
        // The list starts 12 bytes before the end: the fourth load is out of bounds.
        try memory.write([0xf4, 0xff, 0, 0], at: 0)
        try memory.write([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0], at: 65524)
        #expect(try i.call("sum_list", [.i32(3)]) == [.i32(6)])
        #expect(trap { _ = try i.call("sum_list", [.i32(10)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(g.value == .i32(7))
        #expect(try i.call("sum_static", []) == [.i32(0)])
    }

    /// A function whose stores are ordinary (its one access is proven in bounds) calls a
    /// function with a guarded load in a loop. Once LLVM inlines it, only the fault point
    /// keeps the store from staying in a register past the fault: the trap in iteration 2
    /// leaves that iteration's store.
    static let inlining = """
        (module
          (memory (export "mem") 1)
          (func $peek (param i32) (result i32) (i32.load offset=1024 (local.get 0)))
          (func (export "tally") (param $p i32) (param $n i32) (local $i i32)
            (loop $next
              (i32.store (i32.const 64) (local.get $i))
              (drop (call $peek (local.get $p)))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (local.get $n))))))
        """

    @Test(arguments: CompilerTier.allCases) func noStoreIsInlinedPastAGuardedLoad(_ tier: CompilerTier) throws {
        let i = try instantiate(Self.inlining, tier)
        let start = UInt32(65536 - 1024 - 8)
        #expect(try i.call("tally", [.i32(0), .i32(5)]) == [])
        #expect(try memoryBytes(i, at: 64, count: 4) == [4, 0, 0, 0])
        #expect(trap { _ = try i.call("tally", [.i32(start), .i32(5)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(try memoryBytes(i, at: 64, count: 4) == [2, 0, 0, 0])
    }

    /// A store that a later one overwrites, with a guarded access between them: LLVM
    /// must not drop the first. The loop makes the function probed, so the stores to the
    /// constant address are ordinary (proven) ones.
    static let overwrite = """
        (module
          (memory (export "mem") 1)
          (func $clear (local $i i32)
            (loop $next
              (i32.store8 offset=200 (local.get $i) (i32.const 0))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 4)))))
          (func (export "around_load") (param $p i32)
            (call $clear)
            (i32.store (i32.const 64) (i32.const 1))
            (drop (i32.load offset=1024 (local.get $p)))
            (i32.store (i32.const 64) (i32.const 2)))
          (func (export "around_store") (param $p i32) (local $i i32)
            (loop $next
              (i32.store8 offset=200 (local.get $i) (i32.const 0))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 4))))
            (i32.store (i32.const 96) (i32.const 1))
            (i32.store offset=1024 (local.get $p) (i32.const 5))
            (i32.store (i32.const 96) (i32.const 2))))
        """

    @Test(arguments: CompilerTier.allCases) func anOverwrittenStoreBeforeAGuardedTrapStays(_ tier: CompilerTier) throws {
        let i = try instantiate(Self.overwrite, tier)
        #expect(trap { _ = try i.call("around_load", [.i32(65000)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(try memoryBytes(i, at: 64, count: 4) == [1, 0, 0, 0])
        #expect(trap { _ = try i.call("around_store", [.i32(65000)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(try memoryBytes(i, at: 96, count: 4) == [1, 0, 0, 0])
        try i.call("around_load", [.i32(0)])
        try i.call("around_store", [.i32(0)])
        #expect(try memoryBytes(i, at: 64, count: 4) == [2, 0, 0, 0])
        #expect(try memoryBytes(i, at: 96, count: 4) == [2, 0, 0, 0])
    }

    /// A memory the host made and the module imports is guarded the same way.
    @Test(arguments: CompilerTier.allCases) func anImportedMemoryTrapsByFault(_ tier: CompilerTier) throws {
        let importer = """
            (module
              (import "host" "mem" (memory 1))
              (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
            """
        let memory = try Memory(minimumPages: 1)
        var imports = Imports()
        imports.define(module: "host", name: "mem", .memory(memory))
        let i = try instantiate(importer, tier, imports: imports)
        try memory.write([9, 0, 0, 0], at: 65532)
        #expect(try i.call("load", [.i32(65532)]) == [.i32(9)])
        #expect(trap { _ = try i.call("load", [.i32(65534)]) }?.kind == .outOfBoundsMemoryAccess)
    }

    /// A guarded load whose value a `select` discards still runs: LLVM's x86 cmov
    /// converter would have put it on a branch the select never takes (a fuzzer finding;
    /// `ObjectEmitter` turns the converter off).
    @Test(arguments: CompilerTier.allCases) func aLoadASelectDiscardsStillTraps(_ tier: CompilerTier) throws {
        let wat = """
            (module
              (memory 1 1)
              (global $g (mut i64) (i64.const 2))
              (func (export "discarded") (result i64)
                (select (global.get $g) (i64.load (i32.const 65529)) (i32.wrap_i64 (global.get $g)))))
            """
        let i = try instantiate(wat, tier)
        #expect(trap { _ = try i.call("discarded") }?.kind == .outOfBoundsMemoryAccess)
    }
}
