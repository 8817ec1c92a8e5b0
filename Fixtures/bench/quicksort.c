/* Generic quicksort (element size + comparator function pointer, the shape of
 * libc's qsort), so every comparison is an indirect call (call_indirect in wasm).
 * Size: the number of rounds of sorting 100 000 u32 values. */
#include "bench.h"

#define COUNT 100000
static u32 values[COUNT];

typedef int (*compare_fn)(const void *, const void *);

__attribute__((noinline)) static int compare_u32(const void *a, const void *b) {
    u32 x = *(const u32 *)a, y = *(const u32 *)b;
    return (x > y) - (x < y);
}
__attribute__((noinline)) static int compare_u32_desc(const void *a, const void *b) {
    return compare_u32(b, a);
}

static void swap_bytes(u8 *a, u8 *b, size_t size) {
    while (size--) {
        u8 t = *a;
        *a++ = *b;
        *b++ = t;
    }
}

static void sort(u8 *base, size_t count, size_t size, compare_fn cmp) {
    while (count > 1) {
        if (count < 8) { /* insertion sort for short runs */
            for (size_t i = 1; i < count; i++)
                for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
                    swap_bytes(base + (j - 1) * size, base + j * size, size);
            return;
        }
        swap_bytes(base, base + (count / 2) * size, size); /* middle element as pivot */
        size_t last = 0;
        for (size_t i = 1; i < count; i++)
            if (cmp(base + i * size, base) < 0) swap_bytes(base + ++last * size, base + i * size, size);
        swap_bytes(base, base + last * size, size);
        /* Recurse into the smaller part, loop on the larger. */
        if (last < count - last - 1) {
            sort(base, last, size, cmp);
            base += (last + 1) * size;
            count -= last + 1;
        } else {
            sort(base + (last + 1) * size, count - last - 1, size, cmp);
            count = last;
        }
    }
}

/* The comparator comes through memory, so the compiler cannot see which one it is. */
static compare_fn comparators[2] = {compare_u32, compare_u32_desc};

EXPORT u32 run(u32 rounds) {
    u32 seed = 2463534242u, checksum = 0;
    for (u32 r = 0; r < rounds; r++) {
        for (u32 i = 0; i < COUNT; i++) values[i] = bench_next(&seed) % 1000000;
        sort((u8 *)values, COUNT, sizeof(u32), comparators[r & 1]);
        for (u32 i = 0; i < COUNT; i += 97) checksum = checksum * 31 + values[i];
    }
    return checksum;
}
