(module
  (type $t1 (func (param i32) (result i32)))
  (func $f (export "f") (type $t1) (param $p0 i32) (result i32)
    (local.get $p0))
  (func (export "g") (type $t1)
    (i32.mul (local.get 0) (call $f (local.get 0)))))
