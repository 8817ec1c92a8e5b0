;; A counted loop: br_if fused with the comparison, locals read lazily.
(module
  (func (export "sum") (param $n i32) (result i64) (local $i i32) (local $acc i64)
    block $done
      loop $top
        local.get $i local.get $n i32.ge_u br_if $done
        local.get $acc local.get $i i64.extend_i32_u i64.add local.set $acc
        local.get $i i32.const 1 i32.add local.set $i
        br $top
      end
    end
    local.get $acc))
