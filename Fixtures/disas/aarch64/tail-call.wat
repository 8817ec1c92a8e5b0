;; return_call with the three frame teardowns (docs/abi.md, "Tail calls"): same argument
;; area (leave; jmp), a smaller one (move the return address up), a larger one (stage the
;; arguments, copy them highest first over this frame, move the return address down).
(module
  (func $same (param i64) (result i64) local.get 0 return_call $same2)
  (func $same2 (param i64) (result i64) local.get 0)
  (func $grow (param i64) (result i64)
    local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 local.get 0 local.get 0
    return_call $shrink)
  (func $shrink (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64) local.get 7 return_call $same))
