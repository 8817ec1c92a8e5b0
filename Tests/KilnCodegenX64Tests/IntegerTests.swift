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

/// Shift counts are taken modulo the operand width; a constant count of any size is an
/// immediate (an i64 count beyond Int32 once reached a precondition that wanted it in rcx:
/// Fixtures/regressions/compiler-crash-int-binary-*.wasm).
@Suite struct ShiftCountTests {
    @Test func constantCountsBeyondInt32AreTakenModuloTheWidth() throws {
        let m = try TestInstance(wat: """
            (module
              (func (export "shl") (param i64) (result i64) (i64.shl (local.get 0) (i64.const 0x100000001)))
              (func (export "shr_s") (param i64) (result i64) (i64.shr_s (local.get 0) (i64.const -1)))
              (func (export "shr_u") (param i64) (result i64) (i64.shr_u (local.get 0) (i64.const 0x7fffffff00000044)))
              (func (export "rotl") (param i64) (result i64) (i64.rotl (local.get 0) (i64.const 0x8000000000000004)))
              (func (export "rotr") (param i64) (result i64) (i64.rotr (local.get 0) (i64.const 0xffffffff00000001)))
              (func (export "shl32") (param i32) (result i32) (i32.shl (local.get 0) (i32.const -31))))
            """)
        #expect(m.i64("shl", 3) == 6)
        #expect(m.i64("shr_s", Int64.min) == -1)
        #expect(m.i64("shr_u", 0x100) == 0x10)
        #expect(m.i64("rotl", 0x1000_0000_0000_0001) == 0x11)
        #expect(m.i64("rotr", 3) == Int64(bitPattern: 0x8000_0000_0000_0001))
        #expect(m.i32("shl32", 1) == 2)
    }
}
