(module
  (type $pair (func (param i32) (result i32 i64)))
  (func $f (export "f") (param i32) (result i32)
    (block $out (result i32)
      (local.get 0)
      (loop $l (param i32) (result i32)
        local.tee 0
        local.get 0
        i32.const 10
        i32.gt_u
        br_if $out
        i32.const 3
        i32.add
        local.get 0
        i32.const 3
        i32.rem_u
        br_table $l $out $l)))
  (func (export "multi") (type $pair)
    local.get 0
    if (result i32 i64)
      i32.const 1 i64.const 2
    else
      unreachable
      i32.add
      drop
      i32.const 3 i64.const 4
    end)
  (func (export "tail") (param i32) (result i32)
    local.get 0
    i32.eqz
    if i32.const 7 return end
    local.get 0 i32.const 1 i32.sub
    return_call 0))
