/* Times `run(n)` in a shared object: the native builds (clang, gcc) and wasm2c's
 * output. `bench_init` (wasm2c glue: instantiates the module) is called first when
 * present and is not timed.
 *   driver LIB.so N REPS   prints {"checksum": C, "times_us": [..]} */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s LIB.so N REPS\n", argv[0]);
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    void (*init)(void) = (void (*)(void))dlsym(lib, "bench_init");
    uint32_t (*run)(uint32_t) = (uint32_t (*)(uint32_t))dlsym(lib, "run");
    if (!run) {
        fprintf(stderr, "no `run` in %s\n", argv[1]);
        return 1;
    }
    if (init) init();
    uint32_t n = (uint32_t)strtoul(argv[2], 0, 0);
    int reps = atoi(argv[3]);
    uint32_t checksum = 0;
    printf("{\"times_us\": [");
    for (int i = 0; i < reps; i++) {
        double t0 = now_us();
        uint32_t c = run(n);
        double t1 = now_us();
        if (i > 0 && c != checksum) {
            fprintf(stderr, "checksum changed between runs: %u vs %u\n", c, checksum);
            return 1;
        }
        checksum = c;
        printf("%s%.1f", i ? ", " : "", t1 - t0);
    }
    printf("], \"checksum\": %u}\n", checksum);
    return 0;
}
