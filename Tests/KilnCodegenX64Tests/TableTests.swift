import KilnABI
import KilnFrontend
import Testing

/// call_indirect under every strategy (stub builtins and resolver in the harness), the
/// lazy trampoline, reference values, table builtins, tail calls.
@Suite struct TableTests {
    static let indirect = """
        (module
          (type $ii (func (param i32) (result i32)))
          (type $many (func (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64 f64 f64 f64 f64 f64 f64 i32 f32) (result f64)))
          (table $t 8 funcref)
          (table $u 4 funcref)
          (elem (table $t) (i32.const 1) func $double $square $sum)
          (elem (table $u) (i32.const 0) func $square)
          (func $double (type $ii) local.get 0 i32.const 2 i32.mul)
          (func $square (type $ii) local.get 0 local.get 0 i32.mul)
          (func $sum (type $many)
            local.get 0 f64.convert_i32_s local.get 1 f64.convert_i64_s f64.add local.get 2 f64.promote_f32 f64.add
            local.get 3 f64.add local.get 4 f64.convert_i32_s f64.add local.get 5 f64.convert_i64_s f64.add
            local.get 6 f64.promote_f32 f64.add local.get 7 f64.add local.get 8 f64.convert_i32_s f64.add
            local.get 9 f64.convert_i64_s f64.add local.get 10 f64.add local.get 11 f64.add local.get 12 f64.add
            local.get 13 f64.add local.get 14 f64.add local.get 15 f64.add local.get 16 f64.convert_i32_s f64.add
            local.get 17 f64.promote_f32 f64.add)
          (func (export "call") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect $t (type $ii))
          (func (export "call-u") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect $u (type $ii))
          (func (export "sum") (param i32) (result f64)
            i32.const 1 i64.const 2 f32.const 3 f64.const 4 i32.const 5 i64.const 6 f32.const 7 f64.const 8
            i32.const 9 i64.const 10 f64.const 11 f64.const 12 f64.const 13 f64.const 14 f64.const 15 f64.const 16
            i32.const 17 f32.const 18 local.get 0 call_indirect $t (type $many))
          (func (export "tail-sum") (param i32) (result f64)
            i32.const 1 i64.const 2 f32.const 3 f64.const 4 i32.const 5 i64.const 6 f32.const 7 f64.const 8
            i32.const 9 i64.const 10 f64.const 11 f64.const 12 f64.const 13 f64.const 14 f64.const 15 f64.const 16
            i32.const 17 f32.const 18 local.get 0 return_call_indirect $t (type $many))
          (func (export "tail") (param i32 i32) (result i32) local.get 1 local.get 0 return_call_indirect $t (type $ii)))
        """

    @Test(arguments: TableInitStrategy.allCases) func callIndirect(_ strategy: TableInitStrategy) throws {
        let m = try TestInstance(binary: try assemble(text: Self.indirect), strategy: strategy)
        #expect(m.i32("call", 1, 21) == 42)
        #expect(m.i32("call", 2, 7) == 49)
        #expect(m.i32("call", 1, 5) == 10)
        #expect(m.i32("call-u", 0, 9) == 81)
        #expect(m.i32("tail", 2, 6) == 36)
        #expect(asF64(m.call("sum", [3])[0]) == 171)
        #expect(asF64(m.call("tail-sum", [3])[0]) == 171)
        if strategy == .image {
            #expect(m.resolverCalls == 4)  // one per slot, then the patched real funcref
        }
        if strategy == .checked {
            #expect(m.lazyInitCalls == 4)
        }
    }

    @Test(arguments: TableInitStrategy.allCases) func lazySlotFirstCalledByTailCall(_ strategy: TableInitStrategy) throws {
        let m = try TestInstance(binary: try assemble(text: Self.indirect), strategy: strategy)
        #expect(asF64(m.call("tail-sum", [3])[0]) == 171)
        #expect(m.i32("tail", 1, 4) == 8)
        #expect(asF64(m.call("sum", [3])[0]) == 171)
    }

    @Test(arguments: TableInitStrategy.allCases) func referencesAndTableOps(_ strategy: TableInitStrategy) throws {
        let m = try TestInstance(wat: """
            (module
              (type $ii (func (param i32) (result i32)))
              (table $t 4 funcref)
              (table $e 2 externref)
              (elem (table $t) (i32.const 0) func $inc)
              (elem declare func $dec)
              (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
              (func $dec (type $ii) local.get 0 i32.const 1 i32.sub)
              (func (export "size") (result i32) table.size $t)
              (func (export "grow") (param i32) (result i32) ref.func $dec local.get 0 table.grow $t)
              (func (export "set-dec") (param i32) local.get 0 ref.func $dec table.set $t)
              (func (export "is-null") (param i32) (result i32) local.get 0 table.get $t ref.is_null)
              (func (export "same") (result i32) (local funcref)
                i32.const 0 table.get $t local.set 0 local.get 0 ref.null func i32.const 1 select (result funcref)
                ref.is_null)
              (func (export "call") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect $t (type $ii))
              (func (export "fill") (param i32 i32) local.get 0 ref.null func local.get 1 table.fill $t)
              (func (export "ext") (param externref) (result externref) i32.const 1 local.get 0 table.set $e i32.const 1 table.get $e)
              (func (export "nul") (result i32) ref.null extern ref.is_null))
            """, strategy: strategy)
        #expect(m.i32("size") == 4)
        #expect(m.i32("is-null", 0) == 0)
        #expect(m.i32("is-null", 1) == 1)
        #expect(m.i32("call", 0, 41) == 42)
        _ = m.call("set-dec", [2])
        #expect(m.i32("call", 2, 41) == 40)
        #expect(m.i32("grow", 3) == 4)
        #expect(m.i32("size") == 7)
        #expect(m.i32("call", 6, 10) == 9)
        #expect(m.i32("same") == 0)
        _ = m.call("fill", [0, 1])
        #expect(m.i32("is-null", 0) == 1)
        #expect(m.call("ext", [0x1234]) == [0x1234])
        #expect(m.i32("nul") == 1)
    }

    /// A lazy slot whose function takes references in registers and on the stack.
    @Test(arguments: TableInitStrategy.allCases) func referenceArgumentsThroughLazySlot(_ strategy: TableInitStrategy) throws {
        let m = try TestInstance(wat: """
            (module
              (type $refs (func (param externref funcref externref funcref externref funcref externref funcref) (result externref i32)))
              (table 1 funcref)
              (elem (i32.const 0) $pick)
              (func $pick (type $refs) local.get 6 local.get 7 ref.is_null)
              (func (export "go") (param externref) (result externref i32)
                ref.null extern ref.null func ref.null extern ref.null func ref.null extern ref.null func local.get 0 ref.null func
                i32.const 0 call_indirect (type $refs)))
            """, strategy: strategy)
        #expect(m.call("go", [0x55]) == [0x55, 1])
        #expect(m.call("go", [0x66]) == [0x66, 1])
    }

    @Test func bulkMemory() throws {
        let m = try TestInstance(wat: """
            (module (memory 1)
              (func (export "fill") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.fill)
              (func (export "copy") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 memory.copy)
              (func (export "load") (param i32) (result i32) local.get 0 i32.load))
            """)
        _ = m.call("fill", [100, 0xAB, 4])
        #expect(UInt32(bitPattern: m.i32("load", 100)) == 0xABAB_ABAB)
        _ = m.call("copy", [102, 100, 4])
        #expect(UInt32(bitPattern: m.i32("load", 102)) == 0xABAB_ABAB)
    }

    /// Mutual tail recursion a million deep (constant stack), with the callee taking
    /// more, fewer and the same number of stack arguments as the caller.
    @Test func tailCalls() throws {
        let m = try TestInstance(wat: """
            (module
              (func $even (export "even") (param i64) (result i32)
                local.get 0 i64.eqz if (result i32) i32.const 1 else local.get 0 i64.const 1 i64.sub return_call $odd end)
              (func $odd (param i64) (result i32)
                local.get 0 i64.eqz if (result i32) i32.const 0 else local.get 0 i64.const 1 i64.sub return_call $even end)
              (func $few (export "few") (param i64 i64) (result i64)
                local.get 0 i64.eqz if (result i64) local.get 1 else
                  local.get 0 i64.const 1 i64.sub local.get 1 i64.const 1 i64.const 2 i64.const 3 i64.const 4 i64.const 5 i64.const 6 i64.const 7
                  return_call $many end)
              (func $many (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
                local.get 0 local.get 1 local.get 2 i64.add local.get 3 i64.add local.get 4 i64.add local.get 5 i64.add
                local.get 6 i64.add local.get 7 i64.add local.get 8 i64.add return_call $few)
              (func $multi (export "multi") (param i32) (result i32 i64 i32 f64 i64)
                local.get 0 i32.eqz if (result i32 i64 i32 f64 i64) i32.const 1 i64.const 2 i32.const 3 f64.const 4 i64.const 5 else
                local.get 0 i32.const 1 i32.sub i64.const 0 i64.const 0 i64.const 0 i64.const 0 i64.const 0 i64.const 0 i64.const 0
                return_call $multi2 end)
              (func $multi2 (param i32 i64 i64 i64 i64 i64 i64 i64) (result i32 i64 i32 f64 i64)
                local.get 0 return_call $multi)
              (func (export "call-multi") (param i32) (result i64) (local i64)
                local.get 0 call $multi local.set 1 drop drop drop drop local.get 1))
            """)
        #expect(m.i32("even", 1_000_000) == 1)
        #expect(m.i32("even", 1_000_001) == 0)
        #expect(m.i64("few", 100_000, 0) == 2_800_000)
        let r = m.call("multi", [1001])
        #expect(r[0] == 1 && r[1] == 2 && r[2] == 3 && asF64(r[3]) == 4 && r[4] == 5)
        #expect(m.i64("call-multi", 7) == 5)
    }
}

/// A pending float comparison materialized as a call_indirect argument, after the
/// sequence has loaded the funcref: materializing `f64.eq`/`f64.ne` once used r10 as a
/// scratch and so clobbered the funcref (SIGSEGV found by the differential fuzzer,
/// Fixtures/regressions/crash-wat-call-indirect-multivalue-hand-1.wat).
@Suite struct FloatComparisonArgumentTests {
    static let wat = """
        (module
          (type $t (func (param i32 i32) (result i32)))
          (table 2 funcref)
          (elem (i32.const 1) $pair)
          (func $pair (type $t) (i32.add (i32.mul (local.get 0) (i32.const 10)) (local.get 1)))
          (func (export "eq-ne") (param f64 f64) (result i32)
            (call_indirect (type $t) (f64.eq (local.get 0) (local.get 1)) (f64.ne (local.get 0) (local.get 1)) (i32.const 1))))
        """

    @Test(arguments: TableInitStrategy.allCases)
    func comparisonArgumentsKeepTheFuncRef(_ strategy: TableInitStrategy) throws {
        let m = try TestInstance(wat: Self.wat, strategy: strategy)
        func eqNe(_ x: Double, _ y: Double) -> UInt32 { UInt32(truncatingIfNeeded: m.call("eq-ne", [f64(x), f64(y)])[0]) }
        #expect(eqNe(1, 1) == 10)
        #expect(eqNe(1, 2) == 1)
        #expect(eqNe(.nan, 1) == 1)
        #expect(eqNe(.nan, .nan) == 1)
    }
}
