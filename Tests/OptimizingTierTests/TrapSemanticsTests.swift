import KilnCompiler
import KilnRuntime
import Testing

/// Wasm's trap semantics where LLVM-based engines slip (docs/codegen.md, "Optimizing
/// tier"): LLVM assumes loads cannot trap, so a dead load may vanish and stores may move
/// across a trapping access. Checked under both tiers, which must agree.
@Suite struct TrapSemanticsTests {
    static let wat = """
        (module
          (memory (export "mem") 1)
          ;; A load whose value nobody uses: it must still trap out of bounds.
          (func (export "dropped_load") (param i32)
            (drop (i32.load (local.get 0))))
          (func (export "dropped_load_in_local") (param i32) (local i64)
            (local.set 1 (i64.load offset=8 (local.get 0))))
          ;; A store, then an access that traps: the store's bytes must be in memory.
          (func (export "store_then_bad_load") (param i32) (result i32)
            (i32.store (i32.const 16) (i32.const 0x11223344))
            (i32.load (local.get 0)))
          (func (export "store_then_bad_store") (param i32)
            (i64.store (i32.const 32) (i64.const 0x0102030405060708))
            (i32.store8 (local.get 0) (i32.const 1)))
          ;; Stores to one address in a loop (LLVM would like to keep it in a register and
          ;; store once after the loop) and a trapping load in iteration `n`.
          (func (export "loop_traps_at") (param $n i32) (local $i i32)
            (loop $next
              (i32.store (i32.const 64) (local.get $i))
              (i32.store8 offset=128 (local.get $i) (i32.const 0xAB))
              (drop (i32.load (select (i32.const 0x10000) (i32.const 0) (i32.eq (local.get $i) (local.get $n)))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $next (i32.lt_u (local.get $i) (i32.const 100)))))
          ;; A division that traps after a store: the store stays.
          (func (export "store_then_divide") (param i32) (result i32)
            (i32.store (i32.const 256) (i32.const 7))
            (i32.div_u (i32.const 1) (local.get 0))))
        """

    @Test(arguments: CompilerTier.allCases) func droppedOutOfBoundsLoadsTrap(_ tier: CompilerTier) throws {
        let i = try instantiate(Self.wat, tier)
        #expect(trap { try i.call("dropped_load", [.i32(65533)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(trap { try i.call("dropped_load", [.i32(0xFFFF_FFFF)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(trap { try i.call("dropped_load_in_local", [.i32(65528)]) }?.kind == .outOfBoundsMemoryAccess)
        try i.call("dropped_load", [.i32(65532)])
        try i.call("dropped_load_in_local", [.i32(65520)])
    }

    @Test(arguments: CompilerTier.allCases) func storesBeforeATrapAreVisible(_ tier: CompilerTier) throws {
        let i = try instantiate(Self.wat, tier)
        #expect(trap { _ = try i.call("store_then_bad_load", [.i32(65536)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(try memoryBytes(i, at: 16, count: 4) == [0x44, 0x33, 0x22, 0x11])
        #expect(trap { try i.call("store_then_bad_store", [.i32(65536)]) }?.kind == .outOfBoundsMemoryAccess)
        #expect(try memoryBytes(i, at: 32, count: 8) == [8, 7, 6, 5, 4, 3, 2, 1])
        #expect(trap { _ = try i.call("store_then_divide", [.i32(0)]) }?.kind == .integerDivideByZero)
        #expect(try memoryBytes(i, at: 256, count: 4) == [7, 0, 0, 0])
    }

    @Test(arguments: CompilerTier.allCases) func aTrapInALoopLeavesExactlyTheEarlierIterationsStores(
        _ tier: CompilerTier
    ) throws {
        for n in [0, 1, 5, 37] {
            let i = try instantiate(Self.wat, tier)
            #expect(trap { try i.call("loop_traps_at", [.i32(UInt32(n))]) }?.kind == .outOfBoundsMemoryAccess)
            // Iteration n stored its counter and its marker byte before the load trapped.
            #expect(try memoryBytes(i, at: 64, count: 4) == [UInt8(n), 0, 0, 0], "n = \(n)")
            let markers = try memoryBytes(i, at: 128, count: 64)
            #expect(markers == (0..<64).map { $0 <= n ? 0xAB : 0 }, "n = \(n)")
        }
    }
}
