/* Real-program check (scripts/real_programs.py): zstd, compiled from its own sources, compresses
 * and decompresses a generated text at five levels; the output (sizes, checksums of the
 * compressed bytes, round-trip verdicts) must be the same natively and under both of
 * Kiln's tiers. Usage: zstd_roundtrip [BYTES] (default 1 MiB). zstd's code is not in
 * this repository; the script downloads it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#define ZSTD_STATIC_LINKING_ONLY
#include "zstd.h"
static uint64_t fnv(const unsigned char *p, size_t n) { uint64_t h = 1469598103934665603ull; for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; } return h; }
int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 1 << 20;
    unsigned char *src = malloc(n);
    uint32_t x = 12345;
    const char *words[] = {"kiln ", "wasm ", "compile ", "table ", "image ", "trap ", "memory ", "function "};
    size_t i = 0;
    while (i < n) { x = x * 1103515245u + 12345u; const char *w = words[(x >> 16) & 7]; size_t l = strlen(w); for (size_t k = 0; k < l && i < n; k++) src[i++] = (x >> 24) < 20 ? (unsigned char)(x >> 8) : w[k]; }
    printf("src %zu bytes fnv %016llx\n", n, (unsigned long long)fnv(src, n));
    size_t cap = ZSTD_compressBound(n);
    unsigned char *dst = malloc(cap), *back = malloc(n);
    int levels[] = {1, 3, 9, 19, -5};
    for (int li = 0; li < 5; li++) {
        size_t c = ZSTD_compress(dst, cap, src, n, levels[li]);
        if (ZSTD_isError(c)) { printf("compress error %s\n", ZSTD_getErrorName(c)); return 1; }
        size_t d = ZSTD_decompress(back, n, dst, c);
        if (ZSTD_isError(d)) { printf("decompress error %s\n", ZSTD_getErrorName(d)); return 1; }
        printf("level %d: %zu -> %zu bytes, fnv %016llx, roundtrip %s\n", levels[li], n, c, (unsigned long long)fnv(dst, c), d == n && memcmp(src, back, n) == 0 ? "ok" : "BAD");
    }
    return 0;
}
