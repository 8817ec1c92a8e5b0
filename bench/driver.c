/* Times `run(n)` in a shared object: the native builds (clang, gcc) and wasm2c's
 * output. `bench_init` (wasm2c glue: instantiates the module) is called first when
 * present and is not timed.
 *   driver LIB.so N CALLS   prints {"checksum": C, "cpu_us": [..], "wall_us": [..],
 *                                   "nivcsw": [..]}, one entry per call
 * cpu_us is the CPU time of this thread (CLOCK_THREAD_CPUTIME_ID): time the thread spent
 * descheduled while other processes ran is not in it, as it is in wall_us
 * (CLOCK_MONOTONIC). nivcsw counts the involuntary context switches during the call
 * (getrusage RUSAGE_THREAD): how often the scheduler took the core away. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double clock_us(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long involuntary_switches(void) {
    struct rusage usage;
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_nivcsw;
}

static void print_list(const char *name, const double *xs, int n, const char *format) {
    printf("\"%s\": [", name);
    for (int i = 0; i < n; i++) {
        printf(i ? ", " : "");
        printf(format, xs[i]);
    }
    printf("], ");
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s LIB.so N CALLS\n", argv[0]);
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
    int calls = atoi(argv[3]);
    if (calls < 1 || calls > 1000) {
        fprintf(stderr, "CALLS must be 1..1000\n");
        return 2;
    }
    double cpu[1000], wall[1000], switches[1000];
    uint32_t checksum = 0;
    for (int i = 0; i < calls; i++) {
        long s0 = involuntary_switches();
        double w0 = clock_us(CLOCK_MONOTONIC), c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
        uint32_t c = run(n);
        double c1 = clock_us(CLOCK_THREAD_CPUTIME_ID), w1 = clock_us(CLOCK_MONOTONIC);
        switches[i] = (double)(involuntary_switches() - s0);
        if (i > 0 && c != checksum) {
            fprintf(stderr, "checksum changed between calls: %u vs %u\n", c, checksum);
            return 1;
        }
        checksum = c;
        cpu[i] = c1 - c0;
        wall[i] = w1 - w0;
    }
    printf("{");
    print_list("cpu_us", cpu, calls, "%.1f");
    print_list("wall_us", wall, calls, "%.1f");
    print_list("nivcsw", switches, calls, "%.0f");
    printf("\"checksum\": %u}\n", checksum);
    return 0;
}
