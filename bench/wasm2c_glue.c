/* Glue that makes wasm2c's output look like the native builds to bench/driver.c:
 * `bench_init` instantiates the module (not timed), `run` calls its export. */
#include "module.h"

static w2c_bench instance;

__attribute__((visibility("default"))) void bench_init(void) {
    wasm_rt_init();
    wasm2c_bench_instantiate(&instance);
}

__attribute__((visibility("default"))) u32 run(u32 n) { return w2c_bench_run(&instance, n); }
