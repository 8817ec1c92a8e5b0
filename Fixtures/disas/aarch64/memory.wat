;; Loads/stores through the memory base at vmctx+0 (trap sites), memory.grow builtin.
(module
  (memory 1)
  (func (export "copy") (param $dst i32) (param $src i32)
    local.get $dst local.get $src i32.load offset=4 i32.store8 offset=8)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
