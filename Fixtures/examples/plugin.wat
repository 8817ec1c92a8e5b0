;; The example host's plugin: it imports a logging function from the host, keeps a
;; counter in a global, writes a greeting into its memory and can be made to trap.
(module
  (import "host" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 0) "hello, ")

  ;; Appends "kiln" after the greeting, logs (pointer, length), returns the length.
  (func (export "greet") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store8 (i32.const 7) (i32.const 107))
    (i32.store8 (i32.const 8) (i32.const 105))
    (i32.store8 (i32.const 9) (i32.const 108))
    (i32.store8 (i32.const 10) (i32.const 110))
    (call $log (i32.const 0) (i32.const 11))
    (i32.const 11))

  (func (export "calls") (result i32) (global.get $calls))

  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))

  ;; Traps with "integer divide by zero" when d is 0.
  (func (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
)
