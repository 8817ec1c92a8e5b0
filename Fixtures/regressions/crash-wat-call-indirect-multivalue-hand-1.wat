(module
  (type $t (func (param i64 i64 i32) (result f64 i64 f64)))
  (table 6 6 funcref)
  (global $fuel (mut i32) (i32.const 2))
  (global $g1 i64 (i64.const 3))
  (global $g4 f64 (f64.const 2))
  (elem (i32.const 5) func $f)
  (func $f (type $t)
    (if (i32.eqz (global.get $fuel)) (then unreachable))
    (global.set $fuel (i32.sub (global.get $fuel) (i32.const 1)))
    f64.const 1
    i64.const -2
    global.get $g1
    i64.const 65
    global.get $g4
    f64.const 1
    f64.eq
    i32.const 5
    call_indirect (type $t)
    drop drop)
  (func (export "e") (param i64 i64 i32) (result f64 i64 f64)
    (global.set $fuel (i32.const 2))
    (call $f (local.get 0) (local.get 1) (local.get 2))))
