;; f32.min NaN/±0 handling, a trapping truncation, select on a float compare.
(module
  (func (export "min") (param f32 f32) (result f32) local.get 0 local.get 1 f32.min)
  (func (export "trunc") (param f64) (result i32) local.get 0 i32.trunc_f64_s)
  (func (export "pick") (param f64 f64) (result f64) local.get 0 local.get 1 local.get 0 local.get 1 f64.lt select))
