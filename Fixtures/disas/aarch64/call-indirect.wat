;; call_indirect with the `image` strategy: bounds check, slot load (r11 = slot address,
;; r10 = funcref), null check, signature check, r14 = funcref.vmctx, call [r10]. No
;; branch on initialization state; the lazy trampoline follows the functions.
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
