;; return_call where the argument areas differ on AArch64 (eight integer registers): no
;; stack arguments to two (the staged arguments are copied over this frame, sp moves
;; down), two to one (rounded up to two: sp stays), two to none (sp moves up 16 bytes).
(module
  (func $start (export "start") (param i64) (result i64)
    local.get 0 i64.const 1 i64.const 2 i64.const 3 i64.const 4 i64.const 5 i64.const 6
    i64.const 7 i64.const 8 i64.const 9
    return_call $ten)
  (func $ten (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    local.get 0 local.get 9 i64.mul local.get 8 i64.add
    i64.const 10 i64.const 20 i64.const 30 i64.const 40 i64.const 50 i64.const 60 i64.const 70
    local.get 1
    return_call $nine)
  (func $nine (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    local.get 0 local.get 8 i64.sub
    return_call $one)
  (func $one (param i64) (result i64) local.get 0 i64.const 1000 i64.add))
