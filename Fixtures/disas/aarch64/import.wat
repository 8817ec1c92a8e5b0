;; A call to an import (through the vmctx, r14 reloaded) and the host call stub.
(module
  (import "env" "log" (func $log (param i32 f64) (result i32)))
  (func (export "f") (param i32) (result i32) local.get 0 f64.const 1.5 call $log i32.const 1 i32.add))
