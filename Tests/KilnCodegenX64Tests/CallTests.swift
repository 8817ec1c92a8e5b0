import Testing

@Suite struct CallTests {
    @Test func multiValueResultsAndBlocks() throws {
        let m = try TestInstance(wat: """
            (module
              (func $swap (param i32 i64) (result i64 i32) local.get 1 local.get 0)
              (func $many (result i32 i64 f32 f64 i32 i64 f64)
                i32.const 1 i64.const 2 f32.const 3.5 f64.const 4.25 i32.const 5 i64.const 6 f64.const 7.5)
              (func (export "swap") (param i32 i64) (result i64 i32) local.get 0 local.get 1 call $swap)
              (func (export "many") (result i32 i64 f32 f64 i32 i64 f64) call $many)
              (func (export "sum-many") (result f64)
                (local $a i32) (local $b i64) (local $c f32) (local $d f64) (local $e i32) (local $f i64) (local $g f64)
                call $many local.set $g local.set $f local.set $e local.set $d local.set $c local.set $b local.set $a
                local.get $a f64.convert_i32_s local.get $b f64.convert_i64_s f64.add local.get $c f64.promote_f32 f64.add
                local.get $d f64.add local.get $e f64.convert_i32_s f64.add local.get $f f64.convert_i64_s f64.add local.get $g f64.add)
              (func (export "block-mv") (param i32) (result i32 i32)
                local.get 0
                block (param i32) (result i32 i32) i32.const 10 i32.add i32.const 7
                  local.get 0 br_if 0 drop i32.const 99 end)
              (func (export "loop-mv") (param i32) (result i32)
                (local $acc i32)
                i32.const 0 local.get 0
                (loop (param i32 i32) (result i32)
                  local.tee 0 i32.add local.set $acc
                  local.get $acc local.get 0 i32.const 1 i32.sub
                  local.get 0 i32.const 1 i32.gt_s br_if 0
                  drop)))
            """)
        #expect(m.call("swap", [7, 9]) == [9, 7])
        let r = m.call("many", [])
        #expect(r[0] == 1 && r[1] == 2 && asF32(r[2]) == 3.5 && asF64(r[3]) == 4.25 && r[4] == 5 && r[5] == 6 && asF64(r[6]) == 7.5)
        #expect(asF64(m.call("sum-many", [])[0]) == 29.25)
        #expect(m.call("block-mv", [1]) == [11, 7])
        #expect(m.call("block-mv", [0]) == [10, 99])
        #expect(m.i32("loop-mv", 10) == 55)
    }

    /// Arguments computed into registers are placed straight into the argument registers
    /// (no round trip through memory), including when the registers they happen to be in
    /// are other arguments' registers, comparisons, and with values live below them.
    @Test func argumentsComputedInRegisters() throws {
        // A value below the arguments, then ten arguments, each computed into a register.
        let arguments = """
            (i64.add (local.get $a) (i64.const 1000000000000))
            (i64.add (local.get $b) (i64.const 1)) (i64.add (local.get $a) (i64.const 1))
            (i64.sub (local.get $b) (i64.const 1)) (i64.mul (local.get $a) (i64.const 2))
            (i64.add (local.get $b) (local.get $a)) (i64.sub (local.get $b) (local.get $a))
            (i64.add (local.get $a) (local.get $a)) (i64.lt_s (local.get $a) (local.get $b))
            (f64.convert_i64_s (local.get $b)) (f64.convert_i64_s (local.get $a))
            """
        let m = try TestInstance(wat: """
            (module
              (type $t (func (param i64 i64 i64 i64 i64 i64 i64 i32 f64 f64) (result i64)))
              (table 1 funcref) (elem (i32.const 0) $mix)
              (func $mix (type $t)
                local.get 0 local.get 1 i64.const 10 i64.mul i64.add local.get 2 i64.const 100 i64.mul i64.add
                local.get 3 i64.const 1000 i64.mul i64.add local.get 4 i64.const 10000 i64.mul i64.add
                local.get 5 i64.const 100000 i64.mul i64.add local.get 6 i64.const 1000000 i64.mul i64.add
                local.get 7 i64.extend_i32_u i64.const 10000000 i64.mul i64.add
                local.get 8 local.get 9 f64.sub i64.trunc_f64_s i64.const 100000000 i64.mul i64.add)
              (func (export "direct") (param $a i64) (param $b i64) (result i64)
                \(arguments)
                call $mix
                i64.add)
              (func (export "indirect") (param $a i64) (param $b i64) (result i64)
                \(arguments)
                (i32.wrap_i64 (i64.sub (local.get $b) (local.get $b)))
                call_indirect (type $t)
                i64.add))
            """)
        // a = 1, b = 3: arguments 4, 2, 2, 2, 4, 2, 2, then 1 (1 < 3) and 3.0 - 1.0.
        let expected: Int64 = 1_000_000_000_001 + 4 + 20 + 200 + 2000 + 40000 + 200_000 + 2_000_000 + 10_000_000 + 200_000_000
        #expect(m.i64("direct", 1, 3) == expected)
        #expect(m.i64("indirect", 1, 3) == expected)
    }

    @Test func stackArguments() throws {
        let m = try TestInstance(wat: """
            (module
              (func $ints (param i32 i64 i32 i64 i32 i64 i32 i64 i32) (result i64)
                local.get 0 i64.extend_i32_u local.get 1 i64.add local.get 2 i64.extend_i32_u i64.const 10 i64.mul i64.add
                local.get 3 i64.const 100 i64.mul i64.add local.get 4 i64.extend_i32_u i64.const 1000 i64.mul i64.add
                local.get 5 i64.const 10000 i64.mul i64.add local.get 6 i64.extend_i32_u i64.const 100000 i64.mul i64.add
                local.get 7 i64.const 1000000 i64.mul i64.add local.get 8 i64.extend_i32_u i64.const 10000000 i64.mul i64.add)
              (func $floats (param f64 f32 f64 f32 f64 f32 f64 f32 f64 f32 i32) (result f64)
                local.get 0 local.get 1 f64.promote_f32 f64.add local.get 2 f64.add local.get 3 f64.promote_f32 f64.add
                local.get 4 f64.add local.get 5 f64.promote_f32 f64.add local.get 6 f64.add local.get 7 f64.promote_f32 f64.add
                local.get 8 f64.const 1000 f64.mul f64.add local.get 9 f64.promote_f32 f64.const 10000 f64.mul f64.add
                local.get 10 f64.convert_i32_s f64.const 100000 f64.mul f64.add)
              (func (export "ints") (param i32 i64 i32 i64 i32 i64 i32 i64 i32) (result i64)
                local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 local.get 6 local.get 7 local.get 8 call $ints)
              (func (export "floats") (result f64)
                f64.const 1 f32.const 1 f64.const 1 f32.const 1 f64.const 1 f32.const 1 f64.const 1 f32.const 1
                f64.const 2 f32.const 3 i32.const 4 call $floats))
            """)
        #expect(m.call("ints", [1, 2, 3, 4, 5, 6, 7, 8, 9]) == [98_765_433])
        #expect(asF64(m.call("floats", [])[0]) == 8 + 2000 + 30000 + 400_000)
    }

    @Test func recursionAndImports() throws {
        let add: TestInstance.HostCallback = { _, caller, values in
            precondition(caller != nil)
            values![0] = values![0] &+ values![1] &* 1000
            return 0
        }
        let m = try TestInstance(wat: """
            (module
              (import "env" "add" (func $add (param i64 i64) (result i64)))
              (func $fact (export "fact") (param i64) (result i64)
                local.get 0 i64.eqz if (result i64) i64.const 1 else local.get 0 local.get 0 i64.const 1 i64.sub call $fact i64.mul end)
              (func (export "host") (param i64) (result i64) local.get 0 i64.const 3 call $add i64.const 1 i64.add))
            """, imports: [add])
        #expect(m.i64("fact", 20) == 2_432_902_008_176_640_000)
        #expect(m.i64("host", 5) == 3006)
    }

    @Test func globals() throws {
        let m = try TestInstance(wat: """
            (module
              (global $g (mut i32) (i32.const 5)) (global $h (mut f64) (f64.const 1.5)) (global $k i64 (i64.const -1))
              (func (export "bump") (result i32) global.get $g i32.const 1 i32.add global.set $g global.get $g)
              (func (export "fg") (result f64) global.get $h global.get $h f64.add global.set $h global.get $h)
              (func (export "k") (result i64) global.get $k))
            """)
        #expect(m.i32("bump") == 6)
        #expect(m.i32("bump") == 7)
        #expect(asF64(m.call("fg", [])[0]) == 3.0)
        #expect(m.i64("k") == -1)
        #expect(m.global(0) & 0xFFFF_FFFF == 7)
    }

    @Test func importedGlobals() throws {
        let m = try TestInstance(wat: """
            (module
              (import "env" "a" (global $a (mut i64)))
              (import "env" "b" (global $b f32))
              (global $c (mut i32) (i32.const 3))
              (func (export "f") (result f32)
                global.get $a i64.const 10 i64.mul global.set $a
                global.get $b global.get $c f32.convert_i32_s f32.add)
              (func (export "a") (result i64) global.get $a))
            """, importedGlobals: [7, f32(0.5)])
        #expect(asF32(m.call("f", [])[0]) == 3.5)
        #expect(m.i64("a") == 70)
        #expect(m.importedGlobalCells[0].pointee == 70)
    }
}
