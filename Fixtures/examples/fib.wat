;; The bundled example: recursive fib, a loop over linear memory, and a greeting laid out
;; by a data segment (it becomes the artifact's memory image).
(module
  (memory (export "memory") 1)
  (data (i32.const 1024) "Hello from Kiln!")

  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; Sum of the bytes of the greeting (16 bytes at address 1024).
  (func $checksum (export "checksum") (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (i32.const 16)))
        (local.set $sum (i32.add (local.get $sum) (i32.load8_u offset=1024 (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  (func $boom (export "boom") (param $d i32) (result i32)
    (i32.div_u (i32.const 1) (local.get $d)))
)
