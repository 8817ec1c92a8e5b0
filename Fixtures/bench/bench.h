/* Shared helpers of the benchmark workloads: fixed-width types, the export marker,
 * a deterministic generator and the few memory routines the compilers may call.
 * No libc: the same source builds for wasm32 (-nostdlib) and natively. */
#ifndef KILN_BENCH_H
#define KILN_BENCH_H

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef __SIZE_TYPE__ size_t;

/* `run` is the one export; everything else stays hidden (no PLT natively). */
#define EXPORT __attribute__((visibility("default")))
/* Keeps a helper from being recognised as the routine it implements (and so
 * compiled into a call to itself). */
#if defined(__clang__)
#define NO_BUILTIN __attribute__((no_builtin))
#else
#define NO_BUILTIN __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

/* The compilers may emit calls to these for struct copies and zeroing loops. */
NO_BUILTIN __attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n) {
    u8 *d = (u8 *)dst;
    const u8 *s = (const u8 *)src;
    while (n--) *d++ = *s++;
    return dst;
}
NO_BUILTIN __attribute__((weak)) void *memset(void *dst, int c, size_t n) {
    u8 *d = (u8 *)dst;
    while (n--) *d++ = (u8)c;
    return dst;
}
NO_BUILTIN __attribute__((weak)) void *memmove(void *dst, const void *src, size_t n) {
    u8 *d = (u8 *)dst;
    const u8 *s = (const u8 *)src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--) *--d = *--s;
    }
    return dst;
}

/* xorshift32: the same stream on every engine. */
static inline u32 bench_next(u32 *state) {
    u32 x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

#endif
