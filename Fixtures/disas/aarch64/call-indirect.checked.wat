;; call_indirect with the `checked` strategy: the classic load, test, branch to the
;; tableLazyInit builtin (out of line, after the body) and untag (`and r10, -2`, whose
;; flags also serve the null check).
(module
  (type $ii (func (param i32) (result i32)))
  (import "env" "t" (table $imported 1 funcref))
  (table $t 4 funcref)
  (elem (table $t) (i32.const 0) func $inc)
  (func $inc (type $ii) local.get 0 i32.const 1 i32.add)
  (func (export "call") (param i32 i32) (result i32)
    local.get 1 local.get 0 call_indirect $t (type $ii))
  (func (export "call-imported") (param i32 i32) (result i32)
    local.get 1 local.get 0 call_indirect $imported (type $ii))
  (func (export "tail") (param i32 i32) (result i32)
    local.get 1 local.get 0 return_call_indirect $t (type $ii)))
