import Testing

@Suite struct IntegerTests {
    @Test func addConst() throws {
        let m = try TestInstance(wat: """
            (module (func (export "f") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add i32.const 5 i32.add))
            """)
        #expect(m.i32("f", 3, 4) == 12)
    }

    @Test func fib() throws {
        let m = try TestInstance(wat: """
            (module
              (func $fib (export "fib") (param i32) (result i32)
                local.get 0 i32.const 2 i32.lt_s
                if (result i32) local.get 0
                else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)
              (func (export "fibloop") (param $n i64) (result i64) (local $a i64) (local $b i64) (local $t i64)
                i64.const 1 local.set $b
                block $done loop $l
                  local.get $n i64.eqz br_if $done
                  local.get $a local.get $b i64.add local.set $t
                  local.get $b local.set $a local.get $t local.set $b
                  local.get $n i64.const 1 i64.sub local.set $n
                  br $l end end
                local.get $a))
            """)
        #expect(m.i32("fib", 20) == 6765)
        #expect(m.i64("fibloop", 90) == 2_880_067_194_370_816_120)
    }
}
